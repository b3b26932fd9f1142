"""Many units of work in one transaction (``save_many``): each unit all or nothing on its own.

On every store: the units that can be saved are saved, a stale one reports
``ConcurrentUpdate``, a missing instance ``InstanceNotFound``. On SQLite and PostgreSQL, a
unit whose rows break a constraint is rolled back alone (a savepoint on SQLite; on
PostgreSQL the batch statement fails and each unit is then saved on its own), and on
PostgreSQL a batch is one transaction: every row it wrote carries the same ``xmin``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from engine.runtime import PendingTimer, Snapshot
from engine.store import (
    Changes,
    ConcurrentUpdate,
    InstanceNotFound,
    InstanceRecord,
    InstanceStore,
    TimerChange,
)
from engine.store.records import SaveUnit
from engine.store.sql import DatabaseError, SqlStore
from tests.store_sql.helpers import SNAP, T0, audit, dump, notify, record

LATER = T0 + timedelta(minutes=5)
DUE = T0 + timedelta(hours=1)


def _created(store: InstanceStore, n: int) -> list[InstanceRecord]:
    store.register_chart("c", 1, "h1")
    out = []
    for i in range(n):
        rec = record(store, key=f"k{i}")
        store.create(rec, Changes(audit=(audit(rec.id, 1, None, "start"),)))
        out.append(rec)
    return out


def _unit(rec: InstanceRecord, *, expected: int = 1, timer: bool = False, **kw: Any) -> SaveUnit:
    seq = expected + 1
    timers = {"t": PendingTimer("t", "ping", DUE)} if timer else {}
    snap = Snapshot(frozenset({"b"}), {"n": seq}, {}, timers, False)
    changes = Changes(
        audit=(audit(rec.id, seq),),
        timers=(TimerChange("t", DUE),) if timer else (),
        outbox=(notify(rec.id, seq),),
    )
    return SaveUnit(rec.id, snap, "active", expected, LATER, changes, **kw)


def test_each_unit_is_saved_or_says_why(any_store: InstanceStore) -> None:
    a, b, c = _created(any_store, 3)
    missing = record(any_store)
    units = [_unit(a, timer=True), _unit(b, expected=7), _unit(missing), _unit(c)]
    saved = any_store.save_many(units)
    assert isinstance(saved[0], InstanceRecord) and saved[0].row_version == 2
    assert isinstance(saved[1], ConcurrentUpdate) and saved[1].actual == 1
    assert isinstance(saved[2], InstanceNotFound)
    assert isinstance(saved[3], InstanceRecord) and saved[3].snapshot.context == {"n": 2}
    for rec in (a, c):
        loaded = any_store.load(rec.id)
        assert loaded.row_version == 2 and loaded.snapshot.configuration == {"b"}
        assert [h.seq for h in any_store.history(rec.id)] == [1, 2]
    assert any_store.due(DUE) == ((a.id, "t", DUE),)
    assert {i.id for i in any_store.pending_outbox()} == {f"{a.id}:2:0", f"{c.id}:2:0"}
    untouched = any_store.load(b.id)
    assert untouched.row_version == 1 and untouched.snapshot == SNAP
    assert [h.seq for h in any_store.history(b.id)] == [1]


def test_an_instance_twice_in_one_batch_is_refused(any_store: InstanceStore) -> None:
    (a,) = _created(any_store, 1)
    with pytest.raises(ValueError, match="twice"):
        any_store.save_many([_unit(a), _unit(a, expected=2)])
    assert any_store.load(a.id).row_version == 1


def test_a_unit_whose_rows_break_a_constraint_fails_alone(sql_store: SqlStore) -> None:
    a, b, c = _created(sql_store, 3)
    # b's step would write an outbox item whose id is taken: its unit must fail, alone
    sql_store.save_many([_unit(b)._replace(snapshot=SNAP)])  # b at version 2, item b:2:0
    before_b = sql_store.load(b.id)
    saved = sql_store.save_many([_unit(a), _unit(b, expected=2)._replace(changes=Changes(
        audit=(audit(b.id, 3),), outbox=(notify(b.id, 2),)
    )), _unit(c)])  # fmt: skip
    assert isinstance(saved[0], InstanceRecord) and isinstance(saved[2], InstanceRecord)
    assert isinstance(saved[1], DatabaseError)
    assert sql_store.load(b.id) == before_b  # nothing of the failed unit was kept
    assert [h.seq for h in sql_store.history(b.id)] == [1, 2]
    assert sql_store.load(a.id).row_version == sql_store.load(c.id).row_version == 2


def test_a_move_to_another_chart_version_in_a_batch(any_store: InstanceStore) -> None:
    a, b = _created(any_store, 2)
    any_store.register_chart("c", 2, "h2")
    saved = any_store.save_many([_unit(a, chart_version=2), _unit(b)])
    assert [s.version for s in saved if isinstance(s, InstanceRecord)] == [2, 1]
    assert any_store.load(a.id).version == 2 and any_store.load(b.id).version == 1


def test_load_many_returns_the_instances_that_exist(any_store: InstanceStore) -> None:
    a, b = _created(any_store, 2)
    found = any_store.load_many([b.id, "nope", a.id, b.id])
    assert set(found) == {a.id, b.id} and found[a.id] == any_store.load(a.id)


def test_a_batch_is_one_transaction_on_postgres(pg_database: str) -> None:
    from tests.databases import empty_pg

    empty_pg(pg_database)
    with SqlStore(pg_database) as store:
        recs = _created(store, 20)
        saved = store.save_many([_unit(r, timer=True) for r in recs])
        assert all(isinstance(s, InstanceRecord) for s in saved)
        before = dump(store)
    engine = create_engine(pg_database)
    try:
        with engine.connect() as conn:
            xmins = {
                table: {r[0] for r in conn.execute(text(f"SELECT DISTINCT xmin::text FROM {table} {where}"))}
                for table, where in (
                    ("statewise_instances", "WHERE row_version = 2"),
                    ("statewise_audit", "WHERE seq = 2"),
                    ("statewise_timers", ""),
                    ("statewise_outbox", ""),
                )
            }  # fmt: skip
    finally:
        engine.dispose()
    assert len(set().union(*xmins.values())) == 1, xmins  # one transaction wrote them all
    assert len(before["statewise_outbox"]) == 20
