"""The InstanceStore contract, the same for every store: MemoryStore, SqlStore on SQLite
files and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from engine.runtime import Snapshot
from engine.store import (
    NO_CHANGES,
    Changes,
    ConcurrentUpdate,
    DuplicateKey,
    InstanceNotFound,
    InstanceRecord,
    InstanceStatus,
    InstanceStore,
    TimerChange,
)
from engine.store.sql import SqlStore
from tests.store_sql.helpers import SNAP, T0, audit, notify, record, rich_snapshot


def save(
    store: InstanceStore,
    iid: str,
    version: int,
    changes: Changes = NO_CHANGES,
    *,
    snapshot: Snapshot = SNAP,
    status: InstanceStatus = "active",
    time: datetime = T0,
) -> InstanceRecord:
    return store.save(
        iid, snapshot, status=status, expected_version=version, time=time, changes=changes
    )


def test_new_ids_are_unique(any_store: InstanceStore) -> None:
    ids = {any_store.new_id() for _ in range(1000)}
    assert len(ids) == 1000


def test_create_load_save_bumps_the_row_version(any_store: InstanceStore) -> None:
    store = any_store
    rec = store.create(record(store, key="K"), NO_CHANGES)
    assert store.load(rec.id) == rec
    assert (rec.chart, rec.version, rec.key, rec.parent, rec.row_version) == ("c", 1, "K", None, 1)
    snap2 = Snapshot(frozenset({"b"}), {"n": 2}, done=True)
    later = T0 + timedelta(days=1)
    new = save(store, rec.id, 1, snapshot=snap2, status="done", time=later)
    assert (new.row_version, new.status, new.snapshot, new.created, new.updated) == (
        2,
        "done",
        snap2,
        T0,
        later,
    )
    assert new.info == rec.info
    assert store.load(rec.id) == new


def test_every_snapshot_part_round_trips(any_store: InstanceStore) -> None:
    snap = rich_snapshot()
    rec = any_store.create(record(any_store, snapshot=snap), NO_CHANGES)
    assert any_store.load(rec.id).snapshot == snap
    changed = replace(snap, context={**snap.context, "n": 3}, done=True)
    save(any_store, rec.id, 1, snapshot=changed, status="done")
    if isinstance(any_store, SqlStore):
        any_store._rows.cache.clear()  # read it back from the database, not the cache
    loaded = any_store.load(rec.id)
    assert loaded.snapshot == changed and loaded.status == "done"
    assert isinstance(loaded.snapshot.history["p.r1.h"], tuple)


def test_save_checks_the_version_and_changes_nothing_on_conflict(
    any_store: InstanceStore,
) -> None:
    store = any_store
    rec = store.create(record(store), NO_CHANGES)
    changes = Changes(
        audit=(audit(rec.id, 8),),
        timers=(TimerChange("t", T0),),
        outbox=(notify(rec.id, 8),),
    )
    with pytest.raises(ConcurrentUpdate) as caught:
        save(store, rec.id, 7, changes)
    assert (caught.value.instance_id, caught.value.expected, caught.value.actual) == (rec.id, 7, 1)
    assert store.load(rec.id) == rec
    assert store.history(rec.id) == ()
    assert store.due(T0) == ()
    assert store.pending_outbox() == ()
    with pytest.raises(InstanceNotFound):
        store.load("missing")
    with pytest.raises(InstanceNotFound):
        save(store, "missing", 1)


def test_business_keys_are_unique_per_chart(any_store: InstanceStore) -> None:
    store = any_store
    rec = store.create(record(store, key="K"), NO_CHANGES)
    with pytest.raises(DuplicateKey) as caught:
        store.create(record(store, key="K"), NO_CHANGES)
    assert (caught.value.chart, caught.value.key, caught.value.existing) == ("c", "K", rec.id)
    assert store.find("c", "K") == rec
    assert store.find("c", "X") is None and store.find("d", "K") is None
    other = store.create(record(store, key="K", chart="d"), NO_CHANGES)
    assert store.find("d", "K") == other
    assert store.create(record(store), NO_CHANGES).key is None  # many without a key
    assert store.create(record(store), NO_CHANGES).key is None


def test_an_instance_id_is_used_once(any_store: InstanceStore) -> None:
    rec = any_store.create(record(any_store), NO_CHANGES)
    with pytest.raises(ValueError, match="already used"):
        any_store.create(rec, NO_CHANGES)


def test_children_in_creation_order(any_store: InstanceStore) -> None:
    store = any_store
    parent = store.create(record(store), NO_CHANGES)
    kids = [
        store.create(record(store, parent=parent.id, spawn="s@2"), NO_CHANGES) for _ in range(5)
    ]
    assert store.children(parent.id) == tuple(kids)
    assert store.children(kids[0].id) == ()
    assert all(k.spawn == "s@2" for k in store.children(parent.id))


def test_the_timer_index_follows_the_units_of_work(any_store: InstanceStore) -> None:
    store = any_store
    a = store.create(record(store), Changes(timers=(TimerChange("t1", T0 + timedelta(minutes=5)),)))
    b = store.create(record(store), Changes(timers=(TimerChange("t1", T0 + timedelta(minutes=1)),)))
    due = store.due(T0 + timedelta(minutes=10))
    assert [(d.instance_id, d.timer_id) for d in due] == [(b.id, "t1"), (a.id, "t1")]
    assert due[0].due == T0 + timedelta(minutes=1)
    assert store.due(T0) == ()
    assert store.due(T0 + timedelta(minutes=10), limit=1)[0].instance_id == b.id
    assert len(store.due(T0 + timedelta(minutes=10))) == 2  # due() only reads
    save(store, b.id, 1, Changes(timers=(TimerChange("t1", None),)))
    save(store, a.id, 1, Changes(timers=(TimerChange("t1", T0 + timedelta(hours=1)),)))
    assert store.due(T0 + timedelta(minutes=10)) == ()
    assert [d.due for d in store.due(T0 + timedelta(hours=2))] == [T0 + timedelta(hours=1)]
    save(store, a.id, 2, Changes(timers=(TimerChange("t2", T0), TimerChange("t1", None))))
    assert [(d.instance_id, d.timer_id) for d in store.due(T0 + timedelta(days=1))] == [
        (a.id, "t2")
    ]


def test_audit_is_kept_in_order(any_store: InstanceStore) -> None:
    store = any_store
    new = record(store)
    rec = store.create(new, Changes(audit=(audit(new.id, 1, None, "start"),)))
    lines = (audit(rec.id, 2), audit(rec.id, 2, None, "log"))
    save(store, rec.id, 1, Changes(audit=lines))
    save(store, rec.id, 2, Changes(audit=(audit(rec.id, 3, None, "note"),)))
    trail = store.history(rec.id)
    assert [(r.seq, r.kind, r.event) for r in trail] == [
        (1, "start", None),
        (2, "event", "go"),
        (2, "log", None),
        (3, "note", None),
    ]
    assert trail[1] == lines[0]
    with pytest.raises(InstanceNotFound):
        store.history("nope")


def test_outbox_items_stay_until_done(any_store: InstanceStore) -> None:
    store = any_store
    rec = store.create(record(store), NO_CHANGES)
    first, second = notify(rec.id, 2, 0), notify(rec.id, 2, 1, to="bo@example.com")
    save(store, rec.id, 1, Changes(outbox=(first, second)))
    assert store.pending_outbox() == (first, second)
    assert store.pending_outbox(limit=1) == (first,)
    store.outbox_failed(first.id, "smtp down")
    failed = store.pending_outbox()[0]
    assert (failed.id, failed.attempts, failed.error, failed.effect) == (
        first.id,
        1,
        "smtp down",
        first.effect,
    )
    store.outbox_done(first.id)
    store.outbox_done(second.id)
    assert store.pending_outbox() == ()
    store.outbox_done("no such item")  # harmless
