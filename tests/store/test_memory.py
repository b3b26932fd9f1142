"""MemoryStore: units of work, optimistic locking, keys, children, timers, audit, outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.runtime import InstanceInfo, Snapshot
from engine.store import (
    AuditRecord,
    Changes,
    ConcurrentUpdate,
    DuplicateKey,
    InstanceNotFound,
    InstanceRecord,
    InstanceStore,
    MemoryStore,
    OutboxItem,
    TimerChange,
)
from engine.store.records import NO_CHANGES

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SNAP = Snapshot(frozenset({"a"}), {"n": 1})


def record(store: MemoryStore, key: str | None = None, parent: str | None = None) -> InstanceRecord:
    info = InstanceInfo(store.new_id(), key, "c", 1, parent)
    return InstanceRecord(info, SNAP, "active", 1, T0, T0)


def audit(iid: str, seq: int, event: str = "go") -> AuditRecord:
    return AuditRecord(iid, seq, event, {}, ("a",), ("b",), None, None, None, T0, "event")


def test_memory_store_implements_the_port() -> None:
    store: InstanceStore = MemoryStore()
    assert store.new_id() != store.new_id()


def test_create_load_save_bumps_the_row_version() -> None:
    store = MemoryStore()
    rec = store.create(record(store, key="K"), NO_CHANGES)
    assert store.load(rec.id) is rec
    assert (rec.chart, rec.version, rec.key, rec.parent) == ("c", 1, "K", None)
    snap2 = Snapshot(frozenset({"b"}), {"n": 2}, done=True)
    new = store.save(
        rec.id, snap2, status="done", expected_version=1, time=T0 + timedelta(1), changes=NO_CHANGES
    )
    assert (new.row_version, new.status, new.snapshot, new.created) == (2, "done", snap2, T0)
    assert new.updated == T0 + timedelta(1) and new.info is rec.info
    assert store.load(rec.id) is new


def test_save_checks_the_version_and_changes_nothing_on_conflict() -> None:
    store = MemoryStore()
    rec = store.create(record(store), NO_CHANGES)
    with pytest.raises(ConcurrentUpdate) as caught:
        store.save(
            rec.id,
            SNAP,
            status="active",
            expected_version=7,
            time=T0,
            changes=Changes(audit=(audit(rec.id, 8),), timers=(TimerChange("t", T0),)),
        )
    assert (caught.value.expected, caught.value.actual) == (7, 1)
    assert store.load(rec.id) is rec and store.history(rec.id) == () and store.timers(rec.id) == {}
    with pytest.raises(InstanceNotFound):
        store.load("missing")
    with pytest.raises(InstanceNotFound):
        store.save(
            "missing", SNAP, status="active", expected_version=1, time=T0, changes=NO_CHANGES
        )


def test_business_keys_are_unique_per_chart() -> None:
    store = MemoryStore()
    rec = store.create(record(store, key="K"), NO_CHANGES)
    with pytest.raises(DuplicateKey):
        store.create(record(store, key="K"), NO_CHANGES)
    assert (
        store.find("c", "K") is rec
        and store.find("c", "X") is None
        and store.find("d", "K") is None
    )
    assert len(store) == 1


def test_children_in_creation_order() -> None:
    store = MemoryStore()
    parent = store.create(record(store), NO_CHANGES)
    kids = [store.create(record(store, parent=parent.id), NO_CHANGES) for _ in range(3)]
    assert store.children(parent.id) == tuple(kids)
    assert store.children(kids[0].id) == ()


def test_the_timer_index_follows_the_units_of_work() -> None:
    store = MemoryStore()
    a = store.create(record(store), Changes(timers=(TimerChange("t1", T0 + timedelta(minutes=5)),)))
    b = store.create(record(store), Changes(timers=(TimerChange("t1", T0 + timedelta(minutes=1)),)))
    due = store.due(T0 + timedelta(minutes=10))
    assert [(d.instance_id, d.timer_id) for d in due] == [(b.id, "t1"), (a.id, "t1")]
    assert store.due(T0) == ()
    assert store.due(T0 + timedelta(minutes=10), limit=1)[0].instance_id == b.id
    assert len(store.due(T0 + timedelta(minutes=10))) == 2  # due() only reads
    store.save(
        b.id,
        SNAP,
        status="active",
        expected_version=1,
        time=T0,
        changes=Changes(timers=(TimerChange("t1", None),)),
    )
    # rescheduled: the stale heap entry is skipped
    store.save(
        a.id,
        SNAP,
        status="active",
        expected_version=1,
        time=T0,
        changes=Changes(timers=(TimerChange("t1", T0 + timedelta(hours=1)),)),
    )
    assert store.due(T0 + timedelta(minutes=10)) == ()
    assert [d.due for d in store.due(T0 + timedelta(hours=2))] == [T0 + timedelta(hours=1)]


def test_audit_is_kept_in_order_or_not_at_all() -> None:
    for keep in (True, False):
        store = MemoryStore(audit=keep)
        rec = store.create(record(store), Changes(audit=(audit("x", 1, "start"),)))
        store.save(
            rec.id,
            SNAP,
            status="active",
            expected_version=1,
            time=T0,
            changes=Changes(audit=(audit(rec.id, 2),)),
        )
        events = [r.event for r in store.history(rec.id)]
        assert events == (["start", "go"] if keep else [])
    with pytest.raises(InstanceNotFound):
        MemoryStore().history("nope")


def test_outbox_items_stay_until_done() -> None:
    store = MemoryStore()
    rec = store.create(record(store), NO_CHANGES)
    item = OutboxItem(f"{rec.id}:2:0", rec.id, 2, 0, effect=object())  # type: ignore[arg-type]
    store.save(
        rec.id, SNAP, status="active", expected_version=1, time=T0, changes=Changes(outbox=(item,))
    )
    assert store.pending_outbox() == (item,)
    store.outbox_failed(item.id, "boom")
    (failed,) = store.pending_outbox()
    assert (failed.attempts, failed.error) == (1, "boom")
    store.outbox_done(item.id)
    assert store.pending_outbox() == ()
