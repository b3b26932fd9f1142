"""The database's clock for workers on several hosts.

When timers fall due and when leases end is decided by comparing times stored in the
database. Workers on several hosts must agree on it whatever their own clocks say, or a
worker whose clock runs ahead takes over leases that have not ended (and performs effects
a second time) and fires timers early. A :class:`DatabaseClock` is the host's clock plus the
offset to the database server's clock, measured when the worker connects and again every
``refresh`` seconds (one ``SELECT now()``): between measurements it advances with the host's
clock, so it costs nothing per step.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["DatabaseClock", "HasDatabaseTime"]

log = logging.getLogger("statewise.worker")

#: an offset beyond this is logged as a warning (the host's clock needs NTP)
SKEW_WARNING = timedelta(seconds=2)


class HasDatabaseTime(Protocol):
    def database_now(self) -> datetime: ...


class DatabaseClock:
    """``now()``: the database server's time, as of the last measurement plus the time the
    host's clock says has passed since."""

    __slots__ = ("_at", "offset", "refresh", "store")

    def __init__(self, store: HasDatabaseTime, refresh: float = 60.0) -> None:
        self.store = store
        self.refresh = refresh
        self.offset = timedelta(0)
        self._at: float | None = None

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def sync(self, *, force: bool = False) -> timedelta:
        """Measure the offset to the database's clock again if ``refresh`` seconds passed
        (or ``force``); returns the offset (database minus host)."""
        mono = time.monotonic()
        if not force and self._at is not None and mono - self._at < self.refresh:
            return self.offset
        before = datetime.now(UTC)
        server = self.store.database_now()
        after = datetime.now(UTC)
        offset = server - (before + (after - before) / 2)
        if abs(offset) > SKEW_WARNING and (
            self._at is None or abs(offset - self.offset) > SKEW_WARNING
        ):
            log.warning(
                "this host's clock is %.1f s %s the database's; timers and leases follow the "
                "database's clock (run NTP on every host)",
                abs(offset.total_seconds()),
                "behind" if offset > timedelta(0) else "ahead of",
            )
        self.offset, self._at = offset, mono
        return offset

    def __repr__(self) -> str:
        return f"DatabaseClock(offset={self.offset.total_seconds():+.3f} s)"
