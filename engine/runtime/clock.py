"""Time is injected: the runtime takes ``now`` as an argument, a :class:`Clock` supplies it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock: ``now()`` is ``datetime.now(UTC)``."""

    __slots__ = ()

    #: ``datetime.now(UTC)`` itself, called without a Python frame in between (hot path)
    now = staticmethod(partial(datetime.now, UTC))

    def __repr__(self) -> str:
        return "SystemClock()"


def _aware(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{when!r} has no time zone; expected an aware datetime")
    return when.astimezone(UTC)


class ManualClock:
    """A clock that moves only when told to (tests, simulations, the scenario runner)."""

    __slots__ = ("_now",)

    def __init__(self, start: datetime) -> None:
        self._now = _aware(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError(f"cannot move a clock backwards by {delta}")
        self._now += delta
        return self._now

    def set(self, when: datetime) -> datetime:
        self._now = _aware(when)
        return self._now

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"
