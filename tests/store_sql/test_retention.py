"""Purging done outbox items and archiving finished instances, on SQLite and PostgreSQL.

Purging deletes done items older than the cutoff and nothing else. Archiving moves finished
instances older than the cutoff (children before parents, none with outbox items still to
perform) to the archive, removes their live rows, and ``history`` still returns the very
audit trail; the archive is listed page by page and exported to JSON Lines.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from engine import Chart, Engine, ManualClock, MemoryTransport
from engine.ops.errors import OpsError
from engine.ops.retention import archive_finished, export_archive, purge_outbox
from engine.store import InstanceNotFound
from engine.store.sql import SqlStore
from tests.store_sql.conftest import START

ORDER = {"total": "10.00", "credit_limit": "20.00", "email": "ann@example.com"}
LONG_AGO = START  # the tests' clock; the database's clock says now, years later


def rows(store: SqlStore, table: str, columns: str) -> list[tuple[Any, ...]]:
    """Rows of a table, read with a connection of its own."""
    engine = create_engine(store._db.engine.url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(f"SELECT {columns} FROM {table}"))]
    finally:
        engine.dispose()


class Failing:
    """A transport that fails: its items stay in the outbox (failed)."""

    def send(self, message: object, *, idempotency_key: str) -> None:
        raise RuntimeError("smtp down")


def _engine(store: SqlStore, charts: dict[str, Chart], transport: object, at: datetime) -> Engine:
    return Engine(
        store,
        ManualClock(at),
        transports={"email": transport},  # type: ignore[dict-item]
        charts=[charts["order"], charts["parent"], charts["child"]],
    )


def test_purge_deletes_old_done_items_only(sql_store: SqlStore, charts: dict[str, Chart]) -> None:
    old = _engine(sql_store, charts, MemoryTransport(), LONG_AGO)
    paid = [old.start("test.order", ORDER, key=f"P{i}") for i in range(5)]
    for inst in paid:
        old.send(inst.id, "pay")  # a notification each, performed: done
    stuck = old.start("test.order", ORDER, key="S")
    failing = _engine(sql_store, charts, Failing(), LONG_AGO)
    with pytest.raises(Exception, match="smtp down"):
        failing.send(stuck.id, "pay")  # its item stays, failed
    recent = _engine(sql_store, charts, MemoryTransport(), datetime.now(UTC))
    fresh = recent.start("test.order", ORDER, key="F")
    recent.send(fresh.id, "pay")
    assert _statuses(sql_store) == {"done": 6, "failed": 1}
    assert sql_store.purge_outbox(datetime.now(UTC) - timedelta(days=1), limit=3) == 3
    swept = purge_outbox(sql_store, timedelta(days=1), batch=3)
    assert (swept.count, swept.complete) == (2, True)
    assert _statuses(sql_store) == {"done": 1, "failed": 1}  # the recent one, the failed one
    assert {r[0].split(":")[0] for r in rows(sql_store, "statewise_outbox", "id")} == {
        stuck.id,
        fresh.id,
    }


def _statuses(store: SqlStore) -> dict[str, int]:
    out: dict[str, int] = {}
    for (status,) in rows(store, "statewise_outbox", "status"):
        out[status] = out.get(status, 0) + 1
    return out


def test_archive_moves_finished_instances_and_history_still_reads(
    sql_store: SqlStore, charts: dict[str, Chart], tmp_path: Path
) -> None:
    old = _engine(sql_store, charts, MemoryTransport(), LONG_AGO)
    done = [old.start("test.order", ORDER, key=f"D{i}") for i in range(4)]
    for inst in done:
        old.send(inst.id, "pay", actor="ann", note="by phone")
    old.note(done[0].id, "checked", actor="bob")
    trails = {i.id: sql_store.history(i.id) for i in done}
    running = old.start("test.order", ORDER, key="R")
    parent = old.start("test.parent", {"items": [{"number": "a"}, {"number": "b"}]}, key="PARENT")
    kids = old.children(parent.id)
    assert kids and not old.get(parent.id).done  # a running family stays whole
    recent = _engine(sql_store, charts, MemoryTransport(), datetime.now(UTC))
    late = recent.start("test.order", ORDER, key="L")
    recent.send(late.id, "pay")
    failing = _engine(sql_store, charts, Failing(), LONG_AGO)
    owed = failing.start("test.order", ORDER, key="OWED")
    with pytest.raises(Exception, match="smtp down"):
        failing.send(owed.id, "pay")  # finished, but its e-mail is still to be sent

    swept = archive_finished(sql_store, timedelta(days=1), batch=3)
    assert (swept.count, swept.complete) == (4, True)
    for inst in done:
        with pytest.raises(InstanceNotFound):
            sql_store.load(inst.id)
        assert sql_store.history(inst.id) == trails[inst.id]  # from the archive, equal
    assert sql_store.history(done[0].id)[-1].note == "checked"
    assert sql_store.history(done[0].id)[0].time == trails[done[0].id][0].time
    for live in (running, parent, *kids, late, owed):
        assert sql_store.load(live.id).id == live.id
    assert not [r for r in rows(sql_store, "statewise_audit", "instance_id") if r[0] in trails]
    assert not [r for r in rows(sql_store, "statewise_outbox", "instance_id") if r[0] in trails]
    document = sql_store.archived(done[1].id)
    assert document is not None and document["business_key"] == "D1"
    assert document["context"]["total"] == Decimal("10.00") and document["status"] == "done"
    assert [(a["kind"], a["event"]) for a in document["audit"]] == [
        ("start", None), ("event", "pay"), ("log", None)
    ]
    # the business key is free again for a new instance
    again = old.start("test.order", ORDER, key="D1")
    assert sql_store.find("test.order", "D1").id == again.id  # type: ignore[union-attr]

    page = sql_store.list_archive(limit=3)
    assert len(page.items) == 3 and page.next is not None
    rest = sql_store.list_archive(after=page.next, limit=3)
    assert {i.id for i in page.items + rest.items} == set(trails) and rest.next is None
    (one,) = sql_store.list_archive(chart="test.order", key="D2").items
    assert one.id == done[2].id and one.state == "paid" and one.finished < one.archived

    target = tmp_path / "archive.jsonl"
    assert export_archive(sql_store, target, batch=3) == 4
    lines = [json.loads(x) for x in target.read_text(encoding="utf-8").splitlines()]
    assert {x["id"] for x in lines} == set(trails) and lines[0]["format"] == 1
    with pytest.raises(OpsError, match="exists"):
        export_archive(sql_store, target)
    moved = tmp_path / "moved.jsonl"
    assert export_archive(sql_store, moved, delete=True, batch=3) == 4
    assert sql_store.list_archive().items == () and len(moved.read_text().splitlines()) == 4
    with pytest.raises(InstanceNotFound):
        sql_store.history(done[0].id)


def test_children_are_archived_before_their_parent(
    sql_store: SqlStore, charts: dict[str, Chart]
) -> None:
    old = _engine(sql_store, charts, MemoryTransport(), LONG_AGO)
    parent = old.start("test.parent", {"items": [{"number": "a"}, {"number": "b"}]}, key="PARENT")
    for kid in old.children(parent.id):
        old.send(kid.id, "ship")
    assert old.get(parent.id).done
    family = {parent.id, *(k.id for k in old.children(parent.id))}
    first = sql_store.archive_finished(datetime.now(UTC), datetime.now(UTC), limit=10)
    assert set(first) == family - {parent.id}  # the children; the parent still has them
    second = sql_store.archive_finished(datetime.now(UTC), datetime.now(UTC), limit=10)
    assert second == [parent.id]
    assert {i.id for i in sql_store.list_archive().items} == family
