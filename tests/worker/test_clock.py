"""A worker's clock is the database's: the host's clock plus the measured offset, measured
again every ``refresh`` seconds; a large offset is logged once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from engine.worker.clock import DatabaseClock


class Database:
    """A database whose clock is ``offset`` ahead of this host's; counts the reads."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset
        self.reads = 0

    def database_now(self) -> datetime:
        self.reads += 1
        return datetime.now(UTC) + self.offset


@pytest.mark.parametrize("offset", [timedelta(hours=1), timedelta(seconds=-90), timedelta(0)])
def test_now_follows_the_database(offset: timedelta) -> None:
    db = Database(offset)
    clock = DatabaseClock(db, refresh=60)
    clock.sync()
    assert abs(clock.now() - (datetime.now(UTC) + offset)) < timedelta(seconds=1)
    assert abs(clock.offset - offset) < timedelta(seconds=1)


def test_the_offset_is_measured_again_after_refresh() -> None:
    db = Database(timedelta(0))
    clock = DatabaseClock(db, refresh=3600)
    clock.sync()
    clock.sync()
    assert db.reads == 1  # not yet
    db.offset = timedelta(minutes=5)
    clock.sync(force=True)
    assert db.reads == 2 and abs(clock.offset - timedelta(minutes=5)) < timedelta(seconds=1)
    clock.refresh = 0
    clock.sync()
    assert db.reads == 3


def test_a_large_offset_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    db = Database(timedelta(seconds=30))
    clock = DatabaseClock(db, refresh=0)
    with caplog.at_level(logging.WARNING, logger="statewise.worker"):
        clock.sync()
        clock.sync()
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "30.0 s behind the database's" in warnings[0]
