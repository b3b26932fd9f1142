"""A day of Yes!Cart orders in a database: the workload of the replay benchmark, and a
bigger history than ``statewise demo`` keeps for trying ``statewise replay`` by hand.

    .venv/bin/python bench/yescart_orders.py --db sqlite:///day.db [--orders 200] [--seed 7]

The shipped Yes!Cart charts run on a simulated clock from 08:00: an order arrives every few
minutes with one to three deliveries and a total between 20 and 1,500; most are paid
(online authorisation, stand-in gateway), some are never paid, some authorisations fail,
some orders are cancelled by the shop before allocation. The allocation cron (a timer of
each delivery) runs ten minutes after payment; in the afternoon the warehouse packs and
ships most deliveries (people with roles), and leaves some for the next day. Reproducible:
the same seed gives the same orders, times and outcomes.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
WAREHOUSE = (
    ("pack.delivery", {"CALLCENTERORDERPROCESS"}),
    ("mark.ready.for.shipment", {"CALLCENTERORDERPROCESS"}),
    ("start.shipment", {"SHOPADMIN"}),
    ("mark.shipped", {"SHOPADMIN"}),
)


class _Gateway:
    """Stand-ins for the payment gateway and the warehouse system: fixed answers, except
    the authorisation outcome planned per order."""

    def __init__(self) -> None:
        self.authorize: dict[str, str] = {}

    def handlers(self, names: set[str]) -> dict[str, Any]:
        answers: dict[str, Mapping[str, Any]] = {
            "allocate_inventory": {"outcome": "allocated"},
            "capture_payment": {"outcome": "ok"},
            "check_release": {"released": True},
            "cancel_payment": {"outcome": "ok"},
            "export_order": {"next_eligibility": None, "block": False},
        }

        def make(name: str) -> Any:
            def handler(data: Mapping[str, Any], *, idempotency_key: str, instance: Any) -> Any:
                if name == "authorize_payment":
                    return {"outcome": self.authorize.get(str(data["order_no"]), "ok")}
                return answers.get(name, {})

            return handler

        return {name: make(name) for name in names}


class _Quiet:
    def send(self, message: Any, *, idempotency_key: str) -> None:
        pass


def populate(url: str, orders: int = 200, seed: int = 7, *, details: bool = True) -> dict[str, int]:
    """Create and work ``orders`` Yes!Cart orders in the database at ``url`` (created or
    upgraded as needed); returns how many instances of each chart it holds. ``details``:
    record the step details ``statewise replay`` needs (the SQL store's default)."""
    import logging

    from engine import Engine, ManualClock, SqlStore, load_chart

    # a cancelled order refuses its deliveries' done.spawn (the engine logs it); quiet here
    logging.getLogger("statewise.engine").setLevel(logging.ERROR)
    order = load_chart(ROOT / "definitions" / "yescart" / "order.yaml")
    delivery = load_chart(ROOT / "definitions" / "yescart" / "delivery.yaml")
    rng = random.Random(seed)
    clock = ManualClock(START)
    gateway = _Gateway()
    quiet = _Quiet()
    store = SqlStore(url, create=True)
    store.keeps_step_details = details
    try:
        engine = Engine(
            store=store,
            clock=clock,
            tasks=gateway.handlers({*order.tasks, *delivery.tasks}),
            transports={"email": quiet, "sms": quiet},
            charts=[order, delivery],
        )
        paid = _morning(engine, clock, order, gateway, rng, orders)
        _afternoon(engine, clock, rng, paid)
        return {
            chart.id: sum(store.count_by_state(chart.id).values()) for chart in (order, delivery)
        }
    finally:
        store.close()


def _context(rng: random.Random, number: str) -> dict[str, Any]:
    count = rng.choice((1, 1, 2, 2, 3))
    amounts = [Decimal(rng.randint(2000, 50000)) / 100 for _ in range(count)]
    return {
        "order_no": number,
        "shop_code": "SHOP10",
        "customer_email": f"customer{number}@example.com",
        "shop_admin_email": "orders@shop.example",
        "payment_mode": "online_auth",
        "per_shipment": rng.random() < 0.5,
        "total": str(sum(amounts)),
        "deliveries": [
            {"number": f"{number}-{n + 1}", "group": "D1", "amount": str(a)}
            for n, a in enumerate(amounts)
        ],
    }


def _morning(
    engine: Any, clock: Any, chart: Any, gateway: _Gateway, rng: random.Random, orders: int
) -> list[str]:
    """Orders arrive every 1-4 minutes and are paid (or not); timers fire as time goes by.
    Returns the ids of the orders that were paid and not cancelled."""
    paid: list[str] = []
    for n in range(orders):
        clock.advance(timedelta(minutes=rng.randint(1, 4)))
        engine.tick()
        number = f"{200000 + n}"
        context = _context(rng, number)
        instance = engine.start(chart, context, key=number)
        fate = rng.random()
        if fate < 0.08:
            continue  # the shopper never pays
        if fate < 0.14:
            gateway.authorize[number] = "failed"
        clock.advance(timedelta(seconds=rng.randint(20, 90)))
        engine.send(instance.id, "evt.pending", actor="storefront")
        if fate < 0.14:
            continue
        if fate < 0.20:
            clock.advance(timedelta(minutes=rng.randint(1, 5)))
            engine.send(
                instance.id,
                "cancel.order",
                {"client_message": "out of stock at the supplier"},
                actor="shop",
                roles={"SHOPADMIN"},
            )
            continue
        paid.append(instance.id)
    return paid


def _afternoon(engine: Any, clock: Any, rng: random.Random, paid: list[str]) -> None:
    """The allocation cron catches up; the warehouse ships most deliveries of paid orders."""
    clock.advance(timedelta(minutes=15))
    engine.tick()
    for order_id in paid:
        if rng.random() < 0.15:
            continue  # left for tomorrow
        for child in engine.children(order_id):
            if rng.random() < 0.1:
                continue  # this delivery waits
            for event, roles in WAREHOUSE:
                clock.advance(timedelta(seconds=rng.randint(30, 240)))
                engine.send(child.id, event, actor="warehouse", roles=roles)
        engine.tick()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, metavar="URL", help="the database to fill")
    parser.add_argument("--orders", type=int, default=200, help="how many orders (200)")
    parser.add_argument("--seed", type=int, default=7, help="the random seed (7)")
    args = parser.parse_args(argv)
    counts = populate(args.db, args.orders, args.seed)
    print(", ".join(f"{n} {chart}" for chart, n in counts.items()) + f" in {args.db}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
