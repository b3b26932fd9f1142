"""Business-hours arithmetic: weekends, holidays, starts outside opening hours, DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from engine.model import Calendar
from engine.runtime import due_time, open_days_deadline

CPH = ZoneInfo("Europe/Copenhagen")
WEEKDAYS = Calendar(
    name="office",
    timezone="Europe/Copenhagen",
    days=frozenset({0, 1, 2, 3, 4}),
    opens=dt.time(9, 0),
    closes=dt.time(17, 0),
    holidays=frozenset({dt.date(2026, 12, 24), dt.date(2026, 12, 25)}),
)
# open every day in the small hours, so that the DST switches (Sundays, 02:00/03:00)
# fall inside opening hours
NIGHTS = Calendar(
    name="nights",
    timezone="Europe/Copenhagen",
    days=frozenset(range(7)),
    opens=dt.time(1, 0),
    closes=dt.time(4, 0),
)


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=CPH)


def hours(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


DUE = [
    # (calendar, start (local), delay, expected (local), why)
    (WEEKDAYS, "2026-01-05 10:00", hours(2), "2026-01-05 12:00", "within one day"),
    (WEEKDAYS, "2026-01-05 15:00", hours(2), "2026-01-05 17:00", "ends exactly at closing"),
    (WEEKDAYS, "2026-01-05 16:00", hours(2), "2026-01-06 10:00", "rolls over the night"),
    (WEEKDAYS, "2026-01-09 16:00", hours(2), "2026-01-12 10:00", "skips the weekend"),
    (WEEKDAYS, "2026-01-10 12:00", hours(1), "2026-01-12 10:00", "starts on a Saturday"),
    (WEEKDAYS, "2026-01-05 07:00", hours(1), "2026-01-05 10:00", "starts before opening"),
    (WEEKDAYS, "2026-01-05 18:00", hours(1), "2026-01-06 10:00", "starts after closing"),
    (WEEKDAYS, "2026-12-23 16:00", hours(2), "2026-12-28 10:00", "skips holidays, weekend"),
    (WEEKDAYS, "2026-01-05 10:00", hours(16), "2026-01-07 10:00", "two full days"),
    (WEEKDAYS, "2026-03-27 16:00", hours(2), "2026-03-30 10:00", "weekend with DST start"),
    (NIGHTS, "2026-03-29 01:00", hours(2), "2026-03-29 04:00", "DST starts: 3 wall, 2 real h"),
    (NIGHTS, "2026-03-29 01:00", hours(3), "2026-03-30 02:00", "DST starts: next night"),
    (NIGHTS, "2026-10-25 01:00", hours(4), "2026-10-25 04:00", "DST ends: 3 wall, 4 real h"),
    (WEEKDAYS, "2026-01-10 12:00", hours(0), "2026-01-10 12:00", "no delay: due at once"),
]


@pytest.mark.parametrize(
    ("calendar", "start", "delay", "expected"),
    [pytest.param(c, s, d, e, id=why) for c, s, d, e, why in DUE],
)
def test_due_time(calendar: Calendar, start: str, delay: dt.timedelta, expected: str) -> None:
    due = due_time(local(start).astimezone(dt.UTC), delay, calendar)
    assert due == local(expected)
    assert due.utcoffset() == dt.timedelta(0)


def test_due_time_without_calendar_is_plain_addition() -> None:
    start = dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC)
    assert due_time(start, hours(30), None) == start + hours(30)


def test_due_time_with_a_calendar_that_never_opens() -> None:
    closed = Calendar("closed", "UTC", frozenset({0}), dt.time(10), dt.time(9))
    with pytest.raises(ValueError, match="no opening hours"):
        due_time(dt.datetime(2026, 1, 5, tzinfo=dt.UTC), hours(1), closed)


OPEN_DAYS = [
    # (start (local), days, expected closing time (local), why)
    ("2026-01-05 10:00", 1, "2026-01-06 17:00", "the next day"),
    ("2026-01-05 10:00", 3, "2026-01-08 17:00", "the third open day"),
    ("2026-01-09 10:00", 1, "2026-01-12 17:00", "Friday: Monday"),
    ("2026-01-10 10:00", 1, "2026-01-12 17:00", "Saturday: Monday"),
    ("2026-12-23 10:00", 1, "2026-12-28 17:00", "holidays and weekend skipped"),
    ("2026-01-05 18:30", 1, "2026-01-06 17:00", "after closing: still the next day"),
    ("2026-01-05 10:00", 0, "2026-01-05 17:00", "zero: today when open"),
    ("2026-01-11 10:00", 0, "2026-01-12 17:00", "zero on a Sunday: Monday"),
    ("2026-03-27 10:00", 1, "2026-03-30 17:00", "over the DST switch"),
]


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [pytest.param(s, n, e, id=why) for s, n, e, why in OPEN_DAYS],
)
def test_open_days_deadline(start: str, days: int, expected: str) -> None:
    found = open_days_deadline(local(start).astimezone(dt.UTC), days, WEEKDAYS)
    assert found == local(expected)


def test_open_days_counts_from_the_local_day() -> None:
    # 23:30 UTC on Monday is already Tuesday in Copenhagen: the next open day is Wednesday
    start = dt.datetime(2026, 1, 5, 23, 30, tzinfo=dt.UTC)
    assert open_days_deadline(start, 1, WEEKDAYS) == local("2026-01-07 17:00")


def test_open_days_of_a_calendar_that_never_opens() -> None:
    never = Calendar("never", "UTC", frozenset(), dt.time(9), dt.time(17))
    assert open_days_deadline(dt.datetime(2026, 1, 5, tzinfo=dt.UTC), 2, never) is None
