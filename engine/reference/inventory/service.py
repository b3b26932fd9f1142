"""The inventory as task handlers, and its catalogue and receipts as a library API.

Task handlers (Yes!Cart charts): ``reserve_inventory``, ``allocate_inventory``,
``check_release``, ``void_reservation``, ``credit_inventory``. Receiving stock
(:meth:`Inventory.receive`, ``statewise reference receive``) names the deliveries waiting
for it; :func:`notify_waiting` tells those that wait for stock (``inventory.received``), so
a back-order is allocated at once instead of on the next run of the awaiting-inventory job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from engine.reference import tables as t
from engine.reference.db import RefDb
from engine.reference.inventory import stock
from engine.reference.inventory.stock import Line, StockRow

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from engine.runtime import InstanceInfo
    from engine.service import Engine, TaskHandler

__all__ = ["AVAILABILITY", "Inventory", "notify_waiting"]

#: how a SKU's stock is kept: standard, backorder (may be over-reserved), always (none)
AVAILABILITY = ("standard", "backorder", "always")
#: the delivery chart and the event that tells a waiting delivery that stock arrived
DELIVERY_CHART = "yescart.delivery"
RECEIVED = "inventory.received"


class Inventory:
    """Warehouses, SKUs and stock in the statewise database."""

    def __init__(self, db: RefDb) -> None:
        self.db = db

    # -- catalogue --------------------------------------------------------------------
    def add_warehouse(self, code: str, name: str) -> None:
        with self.db.begin() as conn:
            conn.execute(insert(t.warehouses).values(code=code, name=name))

    def add_sku(
        self,
        code: str,
        name: str,
        *,
        availability: str = "standard",
        release_date: date | None = None,
    ) -> None:
        if availability not in AVAILABILITY:
            raise ValueError(f"availability must be one of {', '.join(AVAILABILITY)}")
        with self.db.begin() as conn:
            conn.execute(
                insert(t.skus).values(
                    code=code, name=name, availability=availability, release_date=release_date
                )
            )

    def stock_in(self, sku: str, warehouse: str, quantity: int = 0) -> None:
        """Keep ``sku`` in ``warehouse`` (a stock record), with an initial quantity."""
        with self.db.begin() as conn:
            conn.execute(
                insert(t.stock).values(sku=sku, warehouse=warehouse, quantity=0, reserved=0)
            )
        if quantity:
            self.receive(sku, warehouse, quantity, "initial stock")

    def receive(self, sku: str, warehouse: str, qty: int, reference: str = "receipt") -> list[str]:
        """Put stock on the shelf; returns the deliveries with reservations waiting for it."""
        with self.db.begin() as conn:
            known = conn.execute(
                select(t.warehouses.c.code).where(t.warehouses.c.code == warehouse)
            ).first()
            if known is None:
                raise ValueError(f"unknown warehouse {warehouse!r}")
            return stock.receive(conn, sku, warehouse, qty, reference, self.db.now())

    def stock(self) -> list[StockRow]:
        with self.db.begin() as conn:
            return stock.stock_rows(conn)

    def reconcile(self) -> list[str]:
        """What does not add up (empty when the stock holds); see :func:`stock.reconcile`."""
        with self.db.begin() as conn:
            return stock.reconcile(conn)

    # -- task handlers ----------------------------------------------------------------
    def reserve_inventory(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        deliveries = [
            (str(d["number"]), [Line.of(x) for x in d.get("lines") or ()])
            for d in input.get("deliveries", ())
            if d.get("group") != "D4"  # electronic deliveries keep no stock (§2)
        ]

        def work(conn: Connection) -> Mapping[str, Any]:
            stock.reserve(conn, str(input["order_no"]), deliveries, self.db.now())
            return {}

        return self.db.once(idempotency_key, "inventory", "reserve", work)

    def allocate_inventory(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        def work(conn: Connection) -> Mapping[str, Any]:
            outcome = stock.allocate(
                conn,
                str(input["delivery_number"]),
                when_available=bool(input.get("when_available", False)),
                now=self.db.now(),
            )
            return {"outcome": outcome}

        return self.db.once(idempotency_key, "inventory", "allocate", work)

    def check_release(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        def work(conn: Connection) -> Mapping[str, Any]:
            today = self.db.now().date()
            return {"released": stock.check_release(conn, str(input["delivery_number"]), today)}

        return self.db.once(idempotency_key, "inventory", "check_release", work)

    def void_reservation(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        def work(conn: Connection) -> Mapping[str, Any]:
            stock.void(conn, str(input["delivery_number"]), self.db.now())
            return {}

        return self.db.once(idempotency_key, "inventory", "void", work)

    def credit_inventory(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        def work(conn: Connection) -> Mapping[str, Any]:
            stock.credit(conn, str(input["delivery_number"]), self.db.now())
            return {}

        return self.db.once(idempotency_key, "inventory", "credit", work)

    def tasks(self) -> dict[str, TaskHandler]:
        return {
            "reserve_inventory": self.reserve_inventory,
            "allocate_inventory": self.allocate_inventory,
            "check_release": self.check_release,
            "void_reservation": self.void_reservation,
            "credit_inventory": self.credit_inventory,
        }


def notify_waiting(
    engine: Engine,
    deliveries: list[str],
    *,
    send: Callable[[str, str], object] | None = None,
) -> list[str]:
    """Send ``inventory.received`` to those of ``deliveries`` that wait for stock now;
    returns their numbers. ``send(instance_id, event)`` defaults to ``engine.send`` (an
    operator command passes one that leaves the effects to a worker)."""
    told = []
    for number in deliveries:
        found = engine.find(DELIVERY_CHART, number)
        if found is None or found.done:
            continue
        if not engine.explain(found.id, RECEIVED).accepted:
            continue
        (send or engine.send)(found.id, RECEIVED)
        told.append(number)
    return told
