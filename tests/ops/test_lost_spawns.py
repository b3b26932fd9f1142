"""``done.spawn`` that a crash kept from a parent is delivered by the worker's housekeeping.

A crash is simulated exactly where it hurts: each child's final step is committed (planned
and saved as the worker saves a batch) and the follow-up work, which would have told the
parent, never runs. On SQLite and PostgreSQL:

* the spawn is found only while it is truly unannounced: not while a child still runs, not
  when the last child finished too recently, not once the parent heard of it, not when the
  parent has finished;
* :func:`announce_finished_spawns` delivers it once, with the children's count, and leaves
  a parent that would not take the event alone;
* a worker run (``--once``) does it as part of its housekeeping and says so.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine import Engine, ManualClock, load_text
from engine.ops.spawns import announce_finished_spawns
from engine.runtime import Event
from engine.service.commit import SYSTEM
from engine.service.planning import plan_step
from engine.store.sql import SqlStore
from engine.worker import Worker, WorkerSettings

PARENT = """
id: lost.parent
version: 1
context:
  items: {type: list, items: {type: string}, default: [a, b]}
  told: {type: integer, default: 0}
states:
  shipping:
    entry:
      - spawn: {chart: lost.child, for_each: items, as: item, key: item}
    on:
      done.spawn.lost.child:
        target: delivered
        actions:
          - assign: {told: event.count}
      skip: elsewhere
      cancel: cancelled
  elsewhere: {}
  delivered:
    on:
      close: closed
  closed: {type: final}
  cancelled: {type: final}
"""
CHILD = """
id: lost.child
version: 1
states:
  open:
    on:
      finish: done
  done: {type: final}
"""
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FAR = datetime(2100, 1, 1, tzinfo=UTC)
NOW = timedelta(0)


@pytest.fixture
def store(db_url: str) -> SqlStore:
    found = SqlStore(db_url)
    yield found  # type: ignore[misc]
    found.close()


def _engine(store: SqlStore) -> Engine:
    return Engine(store, ManualClock(START), charts=[load_text(PARENT), load_text(CHILD)])


def _finish_without_follow_up(engine: Engine, child_id: str) -> None:
    """The child's final step committed; the work after the commit lost (a crash)."""
    core = engine._core
    record = engine.store.load(child_id)
    loaded = core.registry.get(record.chart, record.version)
    planned = plan_step(core, record, loaded, Event("finish", {}), SYSTEM)
    assert planned is not None
    [saved] = engine.store.save_many([planned[1]])
    assert not isinstance(saved, Exception) and saved.status == "done"


def _lost(store: SqlStore) -> tuple[Engine, str, list[str]]:
    """A parent whose two children both finished in a crash."""
    engine = _engine(store)
    parent = engine.start("lost.parent").id
    children = sorted(c.id for c in store.children(parent))
    assert len(children) == 2
    for child in children:
        _finish_without_follow_up(engine, child)
    return engine, parent, children


def _state(store: SqlStore, iid: str) -> set[str]:
    return {s.rsplit(".", 1)[-1] for s in store.load(iid).snapshot.configuration}


def test_a_lost_completion_is_found_and_delivered_once(store: SqlStore) -> None:
    engine, parent, _children = _lost(store)
    [group] = store.unannounced_spawns(FAR)
    assert (group.parent, group.spawn_id, group.children) == (parent, "lost.child", 2)
    assert store.unannounced_spawns(datetime(2000, 1, 1, tzinfo=UTC)) == []  # too recent
    assert store.unannounced_spawns(FAR, after=(group.parent, group.tag)) == []  # paged past

    assert announce_finished_spawns(engine, NOW) == 1
    assert _state(store, parent) == {"delivered"}
    assert store.load(parent).snapshot.context["told"] == 2
    # the parent is still active, but its audit trail has the event: never told twice
    assert store.unannounced_spawns(FAR) == []
    assert announce_finished_spawns(engine, NOW) == 0
    events = [h.event for h in store.history(parent)]
    assert events.count("done.spawn.lost.child") == 1


def test_a_second_worker_with_the_same_finding_does_not_tell_it_again(store: SqlStore) -> None:
    from engine.ops.spawns import _announce
    from engine.service.ops import DEFAULT_POLICY

    engine, parent, _children = _lost(store)
    [group] = store.unannounced_spawns(FAR)  # both workers found it
    other = _engine(SqlStore(store.url))
    try:
        assert _announce(engine, group, DEFAULT_POLICY)
        assert not _announce(other, group, DEFAULT_POLICY)  # its trail has the event now
    finally:
        other.store.close()  # type: ignore[attr-defined]
    events = [h.event for h in store.history(parent)]
    assert events.count("done.spawn.lost.child") == 1


def test_a_spawn_with_a_running_child_is_not_announced(store: SqlStore) -> None:
    engine = _engine(store)
    parent = engine.start("lost.parent").id
    first = sorted(c.id for c in store.children(parent))[0]
    _finish_without_follow_up(engine, first)
    assert store.unannounced_spawns(FAR) == []
    assert announce_finished_spawns(engine, NOW) == 0
    assert _state(store, parent) == {"shipping"}


def test_a_parent_told_on_the_normal_path_is_not_told_again(store: SqlStore) -> None:
    engine = _engine(store)
    parent = engine.start("lost.parent").id
    for child in store.children(parent):
        engine.send(child.id, "finish")  # no crash: the parent hears at once
    assert _state(store, parent) == {"delivered"}
    assert store.unannounced_spawns(FAR) == []


def test_a_parent_that_moved_on_or_finished_is_left_alone(store: SqlStore) -> None:
    engine, parent, _children = _lost(store)
    engine.send(parent, "skip")  # it no longer waits for its children
    assert len(store.unannounced_spawns(FAR)) == 1  # found, but the event is not for it now
    assert announce_finished_spawns(engine, NOW) == 0
    assert _state(store, parent) == {"elsewhere"}

    engine, other, _ = _lost_again(store)
    engine.send(other, "cancel")  # finished: nothing waits any more
    assert [g.parent for g in store.unannounced_spawns(FAR)] == [parent]


def _lost_again(store: SqlStore) -> tuple[Engine, str, list[str]]:
    engine = _engine(store)
    parent = engine.start("lost.parent", {"items": ["c", "d"]}).id
    children = [c.id for c in store.children(parent)]
    for child in children:
        _finish_without_follow_up(engine, child)
    return engine, parent, children


def test_the_worker_housekeeping_delivers_it(db_url: str) -> None:
    with SqlStore(db_url) as store:
        _, parent, _ = _lost(store)
    settings = WorkerSettings(db_url, "w", poll=0.01, once=True, purge_after=None,
                              announce_after=0.0)  # fmt: skip
    worker = Worker(settings, _engine)
    stats = worker.run()
    assert stats.announced == 1 and "1 lost spawn completion(s) delivered" in str(stats)
    with SqlStore(db_url) as store:
        assert _state(store, parent) == {"delivered"}
