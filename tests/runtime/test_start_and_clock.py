"""Starting an instance (context coercion, defaults) and the clocks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from engine.runtime import Clock, ManualClock, SystemClock
from tests.runtime.helpers import T0, Machine

CHART = """
id: t.start
version: 1
context:
  total: decimal
  due: date
  note: {type: string, optional: true}
  tries: {type: integer, default: 3}
  wait: {type: duration, default: 1h30m}
states:
  a: {}
"""


def test_the_start_context_is_coerced_and_completed_with_defaults() -> None:
    m = Machine(CHART, {"total": "12.50", "due": "2026-11-22"})
    assert dict(m.snapshot.context) == {
        "total": Decimal("12.50"),
        "due": dt.date(2026, 11, 22),
        "note": None,
        "tries": 3,
        "wait": dt.timedelta(hours=1, minutes=30),
    }
    start = m.last
    assert start.event is None
    assert start.before.configuration == frozenset()
    assert start.microsteps[0].entered == ("a",)
    assert not m.snapshot.done and not m.snapshot.timers and not m.snapshot.history


def test_configurations_are_shared_between_instances() -> None:
    one = Machine(CHART, {"total": 1, "due": "2026-01-01"})
    two_snapshot = one.interp.start(
        {"total": 2, "due": "2026-01-02"}, T0, instance=one.info()
    ).after
    assert two_snapshot.configuration is one.snapshot.configuration


def test_manual_clock() -> None:
    clock = ManualClock(T0)
    assert isinstance(clock, Clock)
    assert clock.now() == T0
    assert clock.advance(dt.timedelta(minutes=5)) == T0 + dt.timedelta(minutes=5)
    clock.set(T0 + dt.timedelta(days=1))
    assert clock.now() == T0 + dt.timedelta(days=1)
    with pytest.raises(ValueError):
        clock.advance(dt.timedelta(seconds=-1))
    with pytest.raises(ValueError):
        ManualClock(dt.datetime(2026, 1, 1))  # naive


def test_manual_clock_normalises_to_utc() -> None:
    cph = dt.timezone(dt.timedelta(hours=1))
    clock = ManualClock(dt.datetime(2026, 1, 5, 10, tzinfo=cph))
    assert clock.now() == T0 and clock.now().tzinfo is dt.UTC


def test_system_clock_is_aware_utc() -> None:
    now = SystemClock().now()
    assert isinstance(SystemClock(), Clock)
    assert now.utcoffset() == dt.timedelta(0)
