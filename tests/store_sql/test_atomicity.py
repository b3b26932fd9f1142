"""A failed transaction leaves the database exactly as it was: every row of every table.

Failures tried: an action that raises, a stale row version (ConcurrentUpdate), a taken
business key, a constraint violated by the last statement of a unit of work, and a database
error injected between two statements of the transaction.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine import ActionFailed, Chart, Engine, ManualClock, MemoryTransport
from engine.store import Changes, ConcurrentUpdate, DuplicateKey, TimerChange
from engine.store.sql import DatabaseError, SqlStore
from tests.store_sql.conftest import START
from tests.store_sql.helpers import SNAP, T0, audit, dump, notify, record

ORDER = {"total": "10.00", "credit_limit": "20.00", "email": "ann@example.com"}


@pytest.fixture
def engine(sql_store: SqlStore, charts: dict[str, Chart]) -> Engine:
    return Engine(
        sql_store,
        ManualClock(START),
        transports={"email": MemoryTransport()},
        charts=[charts["order"]],
    )


def test_an_action_that_raises_saves_nothing(engine: Engine, sql_store: SqlStore) -> None:
    inst = engine.start("test.order", {**ORDER, "divisor": 0}, key="A-1")
    before = dump(sql_store)
    with pytest.raises(ActionFailed):
        engine.send(inst.id, "recalc", actor="ann", note="try")
    assert dump(sql_store) == before
    assert engine.get(inst.id).context["ratio"] is None


def test_a_stale_version_saves_nothing(engine: Engine, sql_store: SqlStore) -> None:
    inst = engine.start("test.order", ORDER)
    stale = sql_store.load(inst.id)
    engine.send(inst.id, "recalc")
    before = dump(sql_store)
    with pytest.raises(ConcurrentUpdate) as caught:
        sql_store.save(
            inst.id,
            stale.snapshot,
            status="active",
            expected_version=stale.row_version,
            time=T0,
            changes=Changes(
                audit=(audit(inst.id, 2),),
                timers=(TimerChange("x", T0),),
                outbox=(notify(inst.id, 2),),
            ),
        )
    assert (caught.value.expected, caught.value.actual) == (1, 2)
    assert dump(sql_store) == before


def test_a_concurrent_engine_loses_and_saves_nothing(
    engine: Engine, sql_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    inst = engine.start("test.order", ORDER)
    stale = sql_store.load(inst.id)
    engine.send(inst.id, "recalc")  # another writer got there first
    before = dump(sql_store)
    monkeypatch.setattr(sql_store, "load", lambda _id: stale)  # this engine read earlier
    with pytest.raises(ConcurrentUpdate):
        engine.send(inst.id, "pay")
    monkeypatch.undo()
    assert dump(sql_store) == before
    assert engine.send(inst.id, "pay").leaf_states == ("paid",)  # a retry succeeds


def test_a_taken_business_key_saves_nothing(sql_store: SqlStore) -> None:
    first = record(sql_store, key="K", chart="new.chart")
    sql_store.create(first, Changes())
    before = dump(sql_store)
    again = record(sql_store, key="K", chart="new.chart")
    with pytest.raises(DuplicateKey):
        sql_store.create(
            again,
            Changes(
                audit=(audit(again.id, 1, None, "start"),),
                timers=(TimerChange("t", T0),),
            ),
        )
    assert dump(sql_store) == before


def test_a_constraint_failing_at_the_end_saves_nothing(sql_store: SqlStore) -> None:
    rec = sql_store.create(record(sql_store), Changes(timers=(TimerChange("t", T0),)))
    before = dump(sql_store)
    item = notify(rec.id, 2)
    with pytest.raises(DatabaseError):
        sql_store.save(
            rec.id,
            SNAP,
            status="done",
            expected_version=1,
            time=T0 + timedelta(hours=1),
            changes=Changes(
                audit=(audit(rec.id, 2),),
                timers=(TimerChange("t", None),),
                outbox=(item, item),  # the same idempotency key twice
            ),
        )
    assert dump(sql_store) == before
    assert sql_store.load(rec.id).row_version == 1


class Injected:
    """A cursor that fails once, when a statement matching ``needle`` is run."""

    def __init__(self, cursor: Any, needle: str, error: Exception) -> None:
        self._cursor, self._needle, self._error = cursor, needle, error

    def execute(self, sql: str, *args: Any) -> Any:
        if self._needle in sql and self._error is not None:
            error, self._error = self._error, None  # type: ignore[assignment]
            raise error
        return self._cursor.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


@pytest.mark.parametrize("needle", ["INSERT INTO statewise_audit", "INSERT INTO statewise_outbox"])
def test_a_database_error_between_two_statements_saves_nothing(
    engine: Engine, sql_store: SqlStore, needle: str
) -> None:
    inst = engine.start("test.order", ORDER)
    before = dump(sql_store)
    db = sql_store._db
    db.cursor()  # this thread's connection
    conn, real = db._local.conn, db._local.cur
    db._local.cur = Injected(real, needle, db.OperationalError("injected failure"))
    try:
        with pytest.raises((DatabaseError, db.OperationalError)):
            engine.send(inst.id, "pay", actor="ann")
    finally:
        if db._local.conn is conn:
            db._local.cur = real
    assert dump(sql_store) == before
    assert engine.get(inst.id).leaf_states == ("pending",)
    assert engine.send(inst.id, "pay").leaf_states == ("paid",)  # the store still works
