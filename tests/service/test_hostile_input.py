"""What comes from outside is admitted with care, and a step that goes past a bound leaves
the instance exactly as it was: on a SQLite file and in memory (engine/limits.py,
engine/runtime/admission.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from engine import (
    ActionFailed,
    ContextError,
    Engine,
    EventRefused,
    LimitExceeded,
    Limits,
    ManualClock,
    MemoryStore,
    StepTimeExceeded,
    load_text,
)
from engine.store import InstanceStore
from engine.store.sql import SqlStore

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

CHART = load_text(
    """
id: t.hostile
version: 1
context:
  s: {type: string, default: "ab"}
  n: {type: integer, default: 3}
  items: {type: list, items: string, default: []}
  wait: {type: duration, default: 1h}
events:
  grow: {}
  square: {}
  bump: {data: {by: integer, tags: {type: list, items: string, optional: true}}}
  spin: {}
  plain: {}
tasks:
  charge: {result: {ok: boolean}}
states:
  idle:
    on:
      grow: growing
      square: squaring
      bump: {target: idle, actions: [{assign: {n: n + event.by}}]}
      spin: spinning
      plain: idle
      pay: paying
    after:
      - {delay: wait, target: late}
  growing:
    always:
      - {target: growing, guard: len(s) > 0, actions: [{assign: {s: s + s}}]}
  squaring:
    always:
      - {target: squaring, guard: n > 0, actions: [{assign: {n: n * n}}]}
  spinning:
    always:
      - {target: spinning, guard: n > 0, actions: [{assign: {n: n + 1}}]}
  paying:
    invoke: {task: charge}
    on:
      done.invoke.charge: paid
      error.invoke.charge: idle
  paid: {type: final}
  late: {type: final}
""",
    "hostile.yaml",
)


def _later(input: Mapping[str, Any], /, **_: Any) -> Mapping[str, Any] | None:
    return None  # the outcome comes later, from outside


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InstanceStore]:
    if request.param == "memory":
        yield MemoryStore()
        return
    sql = SqlStore(f"sqlite:///{tmp_path / 'hostile.db'}", create=True)
    yield sql
    sql.close()


def _engine(store: InstanceStore, limits: Limits | None = None) -> Engine:
    kw: dict[str, Any] = {} if limits is None else {"limits": limits}
    clock = ManualClock(START)
    return Engine(store=store, clock=clock, tasks={"charge": _later}, charts=[CHART], **kw)


def _unchanged(engine: Engine, iid: str, before: Any) -> None:
    after = engine.get(iid)
    assert (after.row_version, after.leaf_states, dict(after.context)) == before
    assert len(engine.history(iid)) == 1  # only the start


def _state(engine: Engine, iid: str) -> Any:
    i = engine.get(iid)
    return (i.row_version, i.leaf_states, dict(i.context))


@pytest.mark.parametrize(
    ("event", "code"),
    [
        ("after.idle.0", "internal_event"),
        ("done.state.idle", "internal_event"),
        ("done.spawn.kids", "internal_event"),
        ("error.execution", "internal_event"),
        ("error.communication", "internal_event"),
        ("done.invoke.charge", "no_pending_call"),
        ("error.invoke.charge", "no_pending_call"),
    ],
)
def test_internal_events_from_outside_are_refused(
    store: InstanceStore, event: str, code: str
) -> None:
    engine = _engine(store)
    iid = engine.start(CHART).id
    before = _state(engine, iid)
    with pytest.raises(EventRefused) as refused:
        engine.send(iid, event)
    assert [b.code for b in refused.value.blockers] == [code]
    assert [b.code for b in engine.explain(iid, event).blockers] == [code]
    _unchanged(engine, iid, before)
    assert engine.get(iid).timers  # the timer was not fired early


def test_a_late_task_outcome_must_match_a_waiting_call(store: InstanceStore) -> None:
    engine = _engine(store)
    iid = engine.start(CHART).id
    engine.send(iid, "pay")  # the handler answers later
    assert list(engine.get(iid).record.snapshot.calls.values()) == ["charge"]
    done = engine.send(iid, "done.invoke.charge", {"ok": True})
    assert done.leaf_states == ("paid",)
    assert not done.record.snapshot.calls


def test_an_answered_call_takes_no_second_outcome(store: InstanceStore) -> None:
    engine = _engine(store)
    iid = engine.start(CHART).id
    engine.send(iid, "pay")
    engine.send(iid, "error.invoke.charge", {"message": "declined"})
    assert engine.get(iid).leaf_states == ("idle",)
    with pytest.raises(EventRefused) as refused:
        engine.send(iid, "done.invoke.charge", {"ok": True})
    assert [b.code for b in refused.value.blockers] == ["no_pending_call"]


def test_instances_stored_before_calls_were_recorded_accept_outcomes(tmp_path: Path) -> None:
    """A row written before revision v0002 has NULL calls: unknown, so outcomes are taken."""
    import sqlite3

    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    first = SqlStore(url, create=True)
    engine = _engine(first)
    iid = engine.start(CHART).id
    engine.send(iid, "pay")
    first.close()
    with sqlite3.connect(tmp_path / "legacy.db") as db:
        db.execute("UPDATE statewise_instances SET calls = NULL")
    second = SqlStore(url)
    try:
        engine = _engine(second)
        assert engine.get(iid).record.snapshot.calls is None
        assert engine.send(iid, "done.invoke.charge", {"ok": True}).leaf_states == ("paid",)
    finally:
        second.close()


@pytest.mark.parametrize(
    ("event", "data", "reason"),
    [
        ("plain", {"x": 1}, "takes no data"),
        ("grow", {"note": "hi"}, "takes no data"),
        ("bump", {"by": 1, "tags": ["x" * 200_000]}, "a text of 200,000 characters"),
        ("bump", {"by": 10**40}, "more than 30 digits"),
        ("bump", {"by": 1, "tags": ["x" * 10] * 30_000}, "characters of data"),
    ],
)
def test_event_data_is_refused_unless_declared_and_bounded(
    store: InstanceStore, event: str, data: dict[str, Any], reason: str
) -> None:
    engine = _engine(store)
    iid = engine.start(CHART).id
    before = _state(engine, iid)
    with pytest.raises(EventRefused) as refused:
        engine.send(iid, event, data)
    assert [b.code for b in refused.value.blockers] == ["bad_event_data"]
    assert reason in refused.value.blockers[0].message
    _unchanged(engine, iid, before)


def test_deeply_nested_data_is_refused_without_recursion_errors(store: InstanceStore) -> None:
    engine = _engine(store)
    iid = engine.start(CHART).id
    deep: Any = "x"
    for _ in range(60_000):
        deep = [deep]
    with pytest.raises(EventRefused) as refused:
        engine.send(iid, "bump", {"by": 1, "tags": deep})
    assert "nested more than 32 levels" in refused.value.blockers[0].message
    with pytest.raises(ContextError):
        engine.start(CHART, {"items": deep})


@pytest.mark.parametrize(
    "context",
    [
        {"n": 10**5000},  # its text would not even print (Python's 4,300-digit limit)
        {"s": "x" * 200_000},
        {"wait": "99999999999d"},
        {"wait": "9" * 5000 + "d"},
    ],
)
def test_a_start_context_over_the_bounds_writes_nothing(
    store: InstanceStore, context: dict[str, Any]
) -> None:
    engine = _engine(store)
    with pytest.raises(ContextError):
        engine.start(CHART, context)
    assert engine.store.find(CHART.id, "x") is None


def test_notes_and_actors_are_bounded(store: InstanceStore) -> None:
    engine = _engine(store, Limits(note=100))
    iid = engine.start(CHART).id
    before = _state(engine, iid)
    with pytest.raises(LimitExceeded):
        engine.send(iid, "plain", note="x" * 101)
    with pytest.raises(LimitExceeded):
        engine.send(iid, "plain", actor="y" * 101)
    with pytest.raises(LimitExceeded):
        engine.note(iid, "z" * 101)
    _unchanged(engine, iid, before)
    engine.send(iid, "plain", note="x" * 100, actor="ann")


@pytest.mark.parametrize(
    ("event", "reason"), [("grow", "100,000 characters"), ("square", "30 digits")]
)
def test_an_eventless_loop_growing_a_value_fails_and_changes_nothing(
    store: InstanceStore, event: str, reason: str
) -> None:
    engine = _engine(store)
    iid = engine.start(CHART).id
    before = _state(engine, iid)
    with pytest.raises(ActionFailed) as failed:
        engine.send(iid, event)
    assert reason in str(failed.value)
    _unchanged(engine, iid, before)


def test_a_step_that_runs_too_long_fails_and_changes_nothing(store: InstanceStore) -> None:
    engine = _engine(store, Limits(microsteps=10**9, step_seconds=0.2))
    iid = engine.start(CHART).id
    before = _state(engine, iid)
    with pytest.raises(StepTimeExceeded):
        engine.send(iid, "spin")
    _unchanged(engine, iid, before)
