"""A shop's working day for the console and API tests: Yes!Cart orders in several queues,
their deliveries, people with roles and an integration's token.

Steps run on the shipped charts with stand-in task handlers (what the payment gateway and
the warehouse answer) on a manual clock that started two days ago, so queues show real
ages. Notifications go to memory transports; their outbox rows stay, so the console shows
the messages each order sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from engine import Engine, ManualClock, MemoryTransport, SqlStore, load_chart

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = ROOT / "definitions"
PASSWORD = "correct horse battery"

#: What the stand-in payment gateway and warehouse answer.
TASK_RESULTS: dict[str, dict[str, Any]] = {
    "reserve_inventory": {},
    "authorize_payment": {"outcome": "ok"},
    "allocate_inventory": {"outcome": "allocated"},
    "capture_payment": {"outcome": "ok"},
    "check_release": {"released": True},
    "void_reservation": {},
    "credit_inventory": {},
    "cancel_payment": {"outcome": "ok"},
    "export_order": {"next_eligibility": None, "block": False},
}
CUSTOMERS = ("ann@example.com", "bob@example.com", "cleo@example.com", "dan@example.com")


def order_context(no: int, mode: str, total: str = "689.74") -> dict[str, Any]:
    return {
        "order_no": str(no),
        "shop_code": "SHOP10",
        "customer_email": CUSTOMERS[no % len(CUSTOMERS)],
        "shop_admin_email": "orders@shop.example",
        "payment_mode": mode,
        "per_shipment": True,
        "total": total,
        "deliveries": [
            {"number": f"{no}-1", "group": "D1", "amount": "459.83"},
            {"number": f"{no}-2", "group": "D1", "amount": "229.91"},
        ],
    }


@dataclass
class Shop:
    """What was made: instance ids by what they are waiting for."""

    waiting: list[str] = field(default_factory=list)  # orders awaiting confirmation
    in_progress: list[str] = field(default_factory=list)  # paid orders, deliveries to pack
    in_transit: list[str] = field(default_factory=list)  # orders with a delivery on its way
    to_pack: list[str] = field(default_factory=list)  # deliveries in the "To pack" queue
    keys: dict[str, str] = field(default_factory=dict)  # id -> business key


def _task(name: str) -> Any:
    def handler(data: Mapping[str, Any], *, idempotency_key: str, instance: Any) -> Any:
        return TASK_RESULTS[name]

    return handler


def seed_shop(
    url: str, *, waiting: int = 3, in_progress: int = 3, in_transit: int = 1, first: int = 100101
) -> Shop:
    """Orders on the shipped Yes!Cart charts, spread over the last two days."""
    order = load_chart(DEFINITIONS / "yescart" / "order.yaml")
    delivery = load_chart(DEFINITIONS / "yescart" / "delivery.yaml")
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0) - timedelta(days=2))
    shop = Shop()
    store = SqlStore(url, create=True)
    try:
        engine = Engine(
            store,
            clock,
            tasks={n: _task(n) for n in {*order.tasks, *delivery.tasks}},
            transports={"email": MemoryTransport(), "sms": MemoryTransport()},
            charts=[order, delivery],
        )
        no = first
        plan = [("offline_prepaid", shop.waiting)] * waiting
        plan += [("online_auth", shop.in_progress)] * (in_progress + in_transit)
        for n, (mode, into) in enumerate(plan):
            total = f"{150 + 97 * n}.{n:02d}"
            started = engine.start(order, order_context(no, mode, total), key=str(no))
            engine.send(started.id, "evt.pending", actor="storefront")
            into.append(started.id)
            shop.keys[started.id] = str(no)
            no += 1
            clock.advance(timedelta(minutes=53))
        clock.advance(timedelta(minutes=10))
        engine.tick()  # the allocation cron: deliveries of paid orders wait to be packed
        for oid in shop.in_progress:
            for child in engine.children(oid):
                shop.keys[child.id] = child.key or child.id
                shop.to_pack.append(child.id)
        for oid in shop.in_progress[in_progress:]:  # one delivery leaves the warehouse
            child = engine.children(oid)[0]
            for event in ("pack.delivery", "mark.ready.for.shipment", "start.shipment"):
                engine.send(child.id, event, actor="warehouse", roles={"SHOPADMIN"})
            shop.to_pack.remove(child.id)
            shop.in_transit.append(oid)
        shop.in_progress = shop.in_progress[:in_progress]
    finally:
        store.close()
    return shop


def add_people(url: str) -> dict[str, str]:
    """ann (shop admin, admin), carl (call centre, processing only); a warehouse feed token
    limited to delivery updates. Returns the token."""
    from engine.ops import users
    from engine.store.sql import WebStore

    store = SqlStore(url)
    try:
        web = WebStore(store)
        users.add_user(web, "ann", PASSWORD, ["SHOPADMIN", "admin"])
        users.add_user(web, "carl", PASSWORD, ["CALLCENTERORDERPROCESS"])
        feed = users.create_token(
            web, "warehouse-feed", charts=["yescart.delivery"], events=["evt.delivery.update"]
        )
        ops = users.create_token(web, "backoffice", charts=["*"], roles=["admin", "SHOPADMIN"])
    finally:
        store.close()
    return {"feed": feed, "ops": ops}
