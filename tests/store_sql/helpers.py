"""Building records for store tests, and reading everything a SQL store holds."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import create_engine, text

from engine.runtime import Event, InstanceInfo, NotifyRequested, PendingTimer, Snapshot
from engine.store import AuditRecord, InstanceRecord, InstanceStore, OutboxItem
from engine.store.sql import SqlStore

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SNAP = Snapshot(frozenset({"a"}), {"n": 1, "total": Decimal("12.50")})


def record(
    store: InstanceStore,
    key: str | None = None,
    parent: str | None = None,
    chart: str = "c",
    spawn: str | None = None,
    snapshot: Snapshot = SNAP,
) -> InstanceRecord:
    info = InstanceInfo(store.new_id(), key, chart, 1, parent)
    return InstanceRecord(info, snapshot, "active", 1, T0, T0, spawn)


def audit(iid: str, seq: int, event: str | None = "go", kind: Any = "event") -> AuditRecord:
    return AuditRecord(iid, seq, event, {}, ("a",), ("b",), "ann", None, None, T0, kind)


def notify(iid: str, seq: int, position: int = 0, to: str = "ann@example.com") -> OutboxItem:
    effect = NotifyRequested("paid", "email", (to,), {"total": Decimal("1.50")})
    return OutboxItem(f"{iid}:{seq}:{position}", iid, seq, position, effect)


def rich_snapshot() -> Snapshot:
    """A snapshot with every part filled: nested context, history, timers, done."""
    due = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    return Snapshot(
        frozenset({"p", "p.r1", "p.r1.x", "p.r2", "p.r2.u"}),
        {"items": [{"number": "D1", "qty": 2}], "when": T0, "tags": ("a", "b"), "none": None},
        {"p.r1.h": ("p.r1.x",)},
        {"after.p.0": PendingTimer("after.p.0", "after.p.0", due, {"k": Decimal("1")})},
        False,
    )


def dump(store: SqlStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every statewise table, in a stable order (for before/after checks)."""
    engine = create_engine(store._db.engine.url)
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in (
            "statewise_chart_versions",
            "statewise_instances",
            "statewise_audit",
            "statewise_timers",
            "statewise_outbox",
        ):
            rows = conn.execute(text(f"SELECT * FROM {table}")).all()
            out[table] = sorted((tuple(r) for r in rows), key=repr)
    engine.dispose()
    return out


__all__ = ["SNAP", "T0", "Event", "audit", "dump", "notify", "record", "rich_snapshot"]
