"""Business-hours arithmetic for ``after`` timers (click-and-collect counts opening hours).

A :class:`~engine.model.Calendar` is open on its ``days`` (0 = Monday), from ``opens`` to
``closes`` local time in its IANA time zone, except on its ``holidays``. Windows are
turned into UTC instants before any arithmetic, so a day on which daylight saving time
changes is counted in real elapsed time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.errors import EvaluationError
from engine.model import Calendar

__all__ = ["calendar_from_value", "due_time", "is_open_day", "open_days_deadline", "opening_window"]

#: How far ahead to look for opening hours before deciding a calendar never opens.
SCAN_DAYS = 3660
_DAY = timedelta(days=1)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_open_day(calendar: Calendar, day: date) -> bool:
    return day.weekday() in calendar.days and day not in calendar.holidays


def opening_window(calendar: Calendar, day: date) -> tuple[datetime, datetime]:
    """The opening hours of ``day`` as UTC instants (whether or not the day is open)."""
    tz = _zone(calendar.timezone)
    opens = datetime.combine(day, calendar.opens, tzinfo=tz).astimezone(UTC)
    closes = datetime.combine(day, calendar.closes, tzinfo=tz).astimezone(UTC)
    return opens, closes


def _local_day(when: datetime, calendar: Calendar) -> date:
    return when.astimezone(_zone(calendar.timezone)).date()


def due_time(start: datetime, delay: timedelta, calendar: Calendar | None = None) -> datetime:
    """``start + delay``; with a calendar, ``delay`` counts opening hours only.

    A start outside opening hours begins counting at the next opening. A delay that
    ends exactly at closing time is due at closing time. Raises ValueError when the
    calendar has no opening hours in the next ten years.
    """
    if calendar is None:
        return start + delay
    if delay <= timedelta(0):
        return start
    cursor = start.astimezone(UTC)
    remaining = delay
    day = _local_day(start, calendar)
    for _ in range(SCAN_DAYS):
        if is_open_day(calendar, day):
            opens, closes = opening_window(calendar, day)
            begin = max(cursor, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += _DAY
    raise ValueError(
        f"calendar '{calendar.name}' has no opening hours left to count {delay}; "
        "expected open days with `opens` before `closes`"
    )


def open_days_deadline(start: datetime, days: int, calendar: Calendar) -> datetime | None:
    """Closing time of the ``days``-th open day after the local day of ``start``.

    The start day itself is not counted (``1`` is the next open day). ``days <= 0``
    means the first open day on or after the start day. None when the calendar never
    opens within ten years.
    """
    day = _local_day(start, calendar)
    if not calendar.days:
        return None
    if days <= 0:
        for _ in range(SCAN_DAYS):
            if is_open_day(calendar, day):
                return opening_window(calendar, day)[1]
            day += _DAY
        return None
    counted = 0
    for _ in range(SCAN_DAYS):
        day += _DAY
        if is_open_day(calendar, day):
            counted += 1
            if counted == days:
                return opening_window(calendar, day)[1]
    return None


_DAY_NAMES = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def _time_of(text: Any, what: str, source: str) -> time:
    if text == "24:00":
        return time.max
    try:
        return time.fromisoformat(str(text))
    except ValueError:
        raise EvaluationError(source, f"{what} {text!r} is not a time of day (HH:MM)") from None


def calendar_from_value(value: Any, source: str) -> Calendar:
    """A per-instance calendar from a context record (``timezone``, ``days``, ``opens``,
    ``closes``, optional ``holidays``); a bad value is an :class:`EvaluationError`."""
    if not isinstance(value, dict):
        raise EvaluationError(source, f"{value!r} is not a calendar record")
    tz = str(value.get("timezone"))
    try:
        _zone(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise EvaluationError(source, f"unknown time zone {tz!r}") from None
    days = set()
    for d in value.get("days") or ():
        if str(d).lower()[:3] not in _DAY_NAMES:
            raise EvaluationError(source, f"{d!r} is not a day of the week (mon..sun)")
        days.add(_DAY_NAMES[str(d).lower()[:3]])
    holidays = set()
    for h in value.get("holidays") or ():
        try:
            holidays.add(h if isinstance(h, date) else date.fromisoformat(str(h)))
        except ValueError:
            raise EvaluationError(source, f"holiday {h!r} is not a date") from None
    return Calendar(
        name=source,
        timezone=tz,
        days=frozenset(days),
        opens=_time_of(value.get("opens"), "opens", source),
        closes=_time_of(value.get("closes"), "closes", source),
        holidays=frozenset(holidays),
    )
