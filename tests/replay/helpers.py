"""A day of ``rp.order`` instances in a database, with what happened to each, so the tests
can tell which instances a changed chart must part from."""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import Chart, Engine, EventRefused, ManualClock, MemoryTransport, load_chart
from engine.store import InstanceStore
from engine.store.sql import SqlStore

HERE = Path(__file__).parent
CHART = HERE / "order.yaml"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def chart() -> Chart:
    return load_chart(CHART)


def variant(tmp: Path, *edits: tuple[str, str], version: int = 2, name: str = "order") -> Path:
    """The test chart with text replaced (each old text must occur once), as a new version."""
    text = CHART.read_text(encoding="utf-8").replace("version: 1", f"version: {version}", 1)
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Plan:
    """What the day does with one order (minutes after its start; None: never)."""

    key: str
    total: Decimal
    pay: int | None
    cancel: int | None
    ship: int | None
    stock_ok: bool


def plans(n: int, seed: int = 3) -> list[Plan]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        total = Decimal(rng.randint(50, 150000)) / 100
        fate = rng.random()
        pay = None if fate < 0.25 else rng.choice((5, 30, 90, 150, 200))
        cancel = rng.choice((20, 60)) if 0.25 <= fate < 0.35 and pay and pay > 60 else None
        ship = None if pay is None or cancel is not None or rng.random() < 0.3 else pay + 40
        out.append(Plan(f"O{i:03d}", total, pay, cancel, ship, rng.random() > 0.1))
    return out


def seed_day(
    where: str | InstanceStore,
    day: list[Plan],
    definition: Chart | None = None,
    *,
    until: timedelta = timedelta(hours=30),
) -> dict[str, str]:
    """Run ``day`` on the database at ``where`` (or on that store): orders start one
    minute apart; payments, manual cancellations (clerk, with a note), shipping (warehouse
    role) and the chart's own timers happen on a simulated clock, up to ``until`` after the
    first start. Events an order no longer takes (shipping a cancelled one) are refused and
    so are not in its history. Returns business key -> instance id."""
    stock = {p.key: p.stock_ok for p in day}

    def check_stock(data: Any, *, idempotency_key: str, instance: Any) -> dict[str, bool]:
        return {"ok": stock[instance.key]}

    clock = ManualClock(T0)
    store = SqlStore(where) if isinstance(where, str) else where
    try:
        engine = Engine(
            store,
            clock,
            tasks={"check_stock": check_stock},
            transports={"email": MemoryTransport()},
            charts=[definition or chart()],
        )
        ids: dict[str, str] = {}
        actions: list[tuple[datetime, str, str]] = []
        for n, p in enumerate(day):
            start = T0 + timedelta(minutes=n)
            for minute, what in ((p.pay, "pay"), (p.cancel, "cancel"), (p.ship, "ship")):
                if minute is not None:
                    actions.append((start + timedelta(minutes=minute), p.key, what))
        actions += [(T0 + timedelta(minutes=n), p.key, "start") for n, p in enumerate(day)]
        actions.sort(key=lambda a: (a[0], a[2] != "start"))
        by_key = {p.key: p for p in day}
        for when, key, what in actions:
            clock.set(when)
            engine.tick()
            if what == "start":
                context = {"total": by_key[key].total, "email": f"{key.lower()}@example.com"}
                ids[key] = engine.start("rp.order", context, key=key).id
            else:
                with contextlib.suppress(EventRefused):
                    _act(engine, ids[key], what)
        clock.set(T0 + until)
        engine.tick()
        return ids
    finally:
        if isinstance(where, str):
            store.close()  # type: ignore[union-attr]


def _act(engine: Engine, iid: str, what: str) -> None:
    if what == "pay":
        engine.send(iid, "pay", actor="shop")
    elif what == "cancel":
        engine.send(iid, "cancel", actor="ann", roles={"clerk"}, note="asked to")
    else:
        engine.send(iid, "ship", actor="bo", roles={"warehouse"})
