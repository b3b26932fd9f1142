"""The day's world: warehouses, SKUs and stock, shops and their exporters, stores.

Kept small and fixed (the orders vary with the seed): two warehouses, standard items with
stock, a few short ones, back-order items that arrive during the day, pre-order items
released on Saturday, and electronic items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.reference.app import ReferenceSystems

__all__ = ["CATALOG", "PRICES", "RECEIPTS", "Item", "by_kind", "install"]


@dataclass(frozen=True, slots=True)
class Item:
    sku: str
    name: str
    price: Decimal
    kind: str  # standard, short, backorder, preorder, electronic
    warehouse: str
    stock: int


def _items() -> tuple[Item, ...]:
    out = []
    for n in range(1, 21):
        warehouse = "MAIN" if n <= 14 else "EAST"
        price = Decimal(9 + (n * 7) % 90) + Decimal("0.99")
        out.append(Item(f"STD-{n:03d}", f"Standard item {n}", price, "standard", warehouse, 400))
    for n in range(1, 3):
        out.append(
            Item(f"SHORT-{n:03d}", f"Scarce item {n}", Decimal("129.00"), "short", "MAIN", 4)
        )
    for n in range(1, 6):
        price = Decimal(40 + 10 * n) + Decimal("0.50")
        out.append(Item(f"BACK-{n:03d}", f"Back-order item {n}", price, "backorder", "MAIN", 0))
    for n in range(1, 4):
        out.append(
            Item(f"PRE-{n:03d}", f"Pre-order item {n}", Decimal("59.90"), "preorder", "MAIN", 300)
        )
    for n in range(1, 6):
        out.append(Item(f"EBOOK-{n:03d}", f"E-book {n}", Decimal("14.95"), "electronic", "", 0))
    return tuple(out)


CATALOG: tuple[Item, ...] = _items()
PRICES = {i.sku: i.price for i in CATALOG}

#: stock that arrives during the day: (after the day's start, sku, warehouse, quantity)
RECEIPTS: tuple[tuple[timedelta, str, str, int], ...] = (
    *((timedelta(hours=4), f"BACK-{n:03d}", "MAIN", 60) for n in range(1, 6)),
    *((timedelta(hours=7), f"SHORT-{n:03d}", "MAIN", 50) for n in range(1, 3)),
    *((timedelta(hours=9), f"BACK-{n:03d}", "MAIN", 60) for n in range(1, 6)),
)


def install(systems: ReferenceSystems, start: datetime, exports_to: str) -> None:
    """Warehouses, SKUs, the first stock, and the shops' exporters."""
    inv = systems.inventory
    inv.add_warehouse("MAIN", "Main warehouse")
    inv.add_warehouse("EAST", "East fulfilment centre")
    release = (start + timedelta(days=1)).date()  # pre-orders are released on Saturday
    for item in CATALOG:
        availability = {"backorder": "backorder", "electronic": "always"}.get(item.kind, "standard")
        released: date | None = release if item.kind == "preorder" else None
        inv.add_sku(item.sku, item.name, availability=availability, release_date=released)
        if item.kind != "electronic":
            inv.stock_in(item.sku, item.warehouse, item.stock)
    ex = systems.exports
    # SHOP10: a file at INITPAID, then an e-mail to the supplier; files for the other milestones
    ex.register("SHOP10", "ORDERFILE", kind="json_file", milestone="INITPAID", priority=10,
                next_milestone="EMAILNOTIFY")  # fmt: skip
    ex.register("SHOP10", "SUPPLIERMAIL", kind="email", milestone="EMAILNOTIFY", to=[exports_to])
    for milestone in ("DELIVERY", "CANCELLED", "RETURNED"):
        ex.register("SHOP10", f"{milestone}FILE", kind="json_file", milestone=milestone)
    # SHOP20 (B2B): every paid order waits for a person's manual export first
    ex.register("SHOP20", "B2BHOLD", kind="manual_state", milestone="INITPAID", priority=10,
                next_milestone="B2BREVIEWED", block=True)  # fmt: skip
    ex.register("SHOP20", "B2BFILE", kind="json_file", milestone="B2BREVIEWED")
    for milestone in ("CANCELLED", "RETURNED"):
        ex.register("SHOP20", f"{milestone}FILE", kind="json_file", milestone=milestone)


def by_kind(kind: str) -> list[Item]:
    return [i for i in CATALOG if i.kind == kind]
