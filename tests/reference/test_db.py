"""RefDb.once: a task call's work happens once per idempotency key, whatever happens."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, func, insert, select

from engine import ManualClock
from engine.errors import StatewiseError
from engine.reference import tables as t
from engine.reference.db import RefDb, TaskRefused, cents, decode, encode, money


def _mark(conn: Connection, name: str) -> None:
    conn.execute(insert(t.warehouses).values(code=name, name=name))


def _marks(db: RefDb) -> list[str]:
    with db.begin() as conn:
        return sorted(conn.execute(select(t.warehouses.c.code)).scalars())


@pytest.fixture
def db(any_url: str, clock: ManualClock) -> Any:
    made = RefDb(any_url, clock)
    yield made
    made.close()


def test_once_runs_the_work_once_and_answers_the_same(db: RefDb) -> None:
    runs = []

    def work(conn: Connection) -> dict[str, Any]:
        runs.append(1)
        _mark(conn, f"W{len(runs)}")
        return {"amount": Decimal("1.50"), "at": datetime(2026, 1, 2, tzinfo=UTC), "n": 3}

    first = db.once("k1", "test", "op", work)
    second = db.once("k1", "test", "op", work)
    assert (
        first
        == second
        == {"amount": Decimal("1.50"), "at": datetime(2026, 1, 2, tzinfo=UTC), "n": 3}
    )
    # a repeat may run the work again, but finds the key taken and rolls it back
    assert _marks(db) == ["W1"]


def test_a_refusal_is_an_answer_too(db: RefDb) -> None:
    def work(conn: Connection) -> dict[str, Any]:
        _mark(conn, "LOST")
        raise TaskRefused("no stock")

    for _ in range(2):
        with pytest.raises(TaskRefused, match="no stock"):
            db.once("k2", "test", "op", work)
    assert _marks(db) == []  # rolled back


def test_a_refusal_may_keep_what_it_wrote(db: RefDb) -> None:
    def work(conn: Connection) -> dict[str, Any]:
        _mark(conn, "KEPT")
        raise TaskRefused("exporter failed", keep=True)

    with pytest.raises(TaskRefused):
        db.once("k3", "test", "op", work)
    assert _marks(db) == ["KEPT"]


def test_a_crash_inside_the_work_records_nothing(db: RefDb) -> None:
    def broken(conn: Connection) -> dict[str, Any]:
        _mark(conn, "HALF")
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        db.once("k4", "test", "op", broken)
    assert _marks(db) == []
    assert db.once("k4", "test", "op", lambda conn: {"ok": True}) == {"ok": True}


def test_a_key_used_for_another_operation_is_an_error(db: RefDb) -> None:
    db.once("k5", "test", "first", lambda conn: {})
    with pytest.raises(StatewiseError, match="used for first, not second"):
        db.once("k5", "test", "second", lambda conn: {})


def test_two_callers_with_one_key_do_the_work_once(db: RefDb) -> None:
    """Two workers performing the same outbox item at once (a lease that ran out)."""
    started = threading.Barrier(2)
    answers: list[dict[str, Any]] = []

    def work(conn: Connection) -> dict[str, Any]:
        count = conn.execute(select(func.count()).select_from(t.warehouses)).scalar_one()
        _mark(conn, f"W{count}")
        return {"made": f"W{count}"}

    def call() -> None:
        started.wait()
        answers.append(db.once("k6", "test", "op", work))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert answers == [{"made": "W0"}, {"made": "W0"}]
    assert _marks(db) == ["W0"]


def test_money_and_the_codec() -> None:
    assert cents("689.745") == 68975 and cents(Decimal("0.10")) == 10 and cents(3) == 300
    assert money(68974) == Decimal("689.74")
    value = {
        "d": Decimal("1.10"),
        "t": datetime(2026, 1, 2, 3, tzinfo=UTC),
        "day": date(2026, 1, 2),
    }
    assert decode(encode(value)) == value
    assert decode(encode({"list": [Decimal("2")], "plain": "x"})) == {
        "list": [Decimal("2")],
        "plain": "x",
    }
