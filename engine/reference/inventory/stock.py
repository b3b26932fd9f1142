"""Stock per SKU and warehouse: reservations, allocation, void, credit, receipts.

Yes!Cart's ``SkuWarehouseService`` as the OSM uses it (yescart-osm §3.1-§3.3, §5):

* **reserve** at ``evt.pending``: ``reserved`` grows for every line of every non-electronic
  delivery. A ``standard`` SKU needs ``quantity - reserved`` to cover the line; a
  ``backorder`` SKU may be over-reserved; an ``always`` SKU (digital, services) keeps no
  stock. A missing SKU or stock record, or a short standard line, refuses the whole
  reservation (``OrderItemAllocationException``): nothing is reserved.
* **allocate** (``evt.process.allocation``, ``evt.delivery.allowed.quantity``): the line is
  taken off the shelf: ``quantity`` and ``reserved`` both drop. Short stock refuses it, or,
  with ``when_available``, answers "not available" and changes nothing.
* **void** (cancel before allocation) releases the reservation; **credit** (cancel after
  allocation) puts the allocated quantity back on the shelf.
* **receive** puts stock on the shelf and names the deliveries whose reservations wait for it.

``quantity`` and ``reserved`` never go below zero (checked by the database, and every
update says ``WHERE quantity >= n``). Every change of ``quantity`` is a row in
``ref_stock_moves``, so the stock can be reconciled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from engine.reference import tables as t
from engine.reference.db import TaskRefused

__all__ = [
    "Line",
    "StockRow",
    "allocate",
    "check_release",
    "credit",
    "receive",
    "reconcile",
    "reserve",
    "stock_rows",
    "void",
]

#: the reservation statuses that hold stock: reserved (``reserved``), allocated (debited)
RESERVED, ALLOCATED, VOIDED, CREDITED = "reserved", "allocated", "voided", "credited"


@dataclass(frozen=True, slots=True)
class Line:
    sku: str
    qty: int
    warehouse: str

    @staticmethod
    def of(value: Mapping[str, Any]) -> Line:
        return Line(str(value["sku"]), int(value["qty"]), str(value["warehouse"]))


@dataclass(frozen=True, slots=True)
class StockRow:
    sku: str
    warehouse: str
    quantity: int
    reserved: int

    @property
    def available(self) -> int:
        return self.quantity - self.reserved


def _sku(conn: Connection, code: str) -> tuple[str, date | None] | None:
    row = conn.execute(
        select(t.skus.c.availability, t.skus.c.release_date).where(t.skus.c.code == code)
    ).first()
    return None if row is None else (row[0], row[1])


def _stock(conn: Connection, sku: str, warehouse: str) -> StockRow | None:
    row = conn.execute(
        select(t.stock.c.quantity, t.stock.c.reserved).where(
            t.stock.c.sku == sku, t.stock.c.warehouse == warehouse
        )
    ).first()
    return None if row is None else StockRow(sku, warehouse, row[0], row[1])


def _move(conn: Connection, line: Line, kind: str, qty: int, reference: str, now: datetime) -> None:
    conn.execute(
        insert(t.stock_moves).values(
            sku=line.sku, warehouse=line.warehouse, kind=kind, qty=qty, reference=reference, at=now
        )
    )


def reserve(
    conn: Connection,
    order_no: str,
    deliveries: Sequence[tuple[str, Sequence[Line]]],
    now: datetime,
) -> int:
    """Reserve every line of ``deliveries`` (number, lines); returns the lines reserved.
    Deliveries reserved before are left alone. Raises :class:`TaskRefused`."""
    done = set(
        conn.execute(
            select(t.reservations.c.delivery_no).where(t.reservations.c.order_no == order_no)
        ).scalars()
    )
    count = 0
    for number, lines in deliveries:
        if number in done:
            continue
        for line in lines:
            sku = _sku(conn, line.sku)
            if sku is None:
                raise TaskRefused(f"SKU {line.sku} does not exist (delivery {number})")
            availability = sku[0]
            if availability == "always":
                continue
            have = _stock(conn, line.sku, line.warehouse)
            if have is None:
                raise TaskRefused(
                    f"no stock of {line.sku} is kept in warehouse {line.warehouse} "
                    f"(delivery {number})"
                )
            query = update(t.stock).where(
                t.stock.c.sku == line.sku, t.stock.c.warehouse == line.warehouse
            )
            if availability != "backorder":
                query = query.where(t.stock.c.quantity - t.stock.c.reserved >= line.qty)
            if conn.execute(query.values(reserved=t.stock.c.reserved + line.qty)).rowcount != 1:
                raise TaskRefused(
                    f"not enough stock of {line.sku} in {line.warehouse}: "
                    f"{have.available} available, {line.qty} ordered (delivery {number})"
                )
            conn.execute(
                insert(t.reservations).values(
                    order_no=order_no,
                    delivery_no=number,
                    sku=line.sku,
                    warehouse=line.warehouse,
                    qty=line.qty,
                    status=RESERVED,
                    updated=now,
                )
            )
            count += 1
    return count


def _held(conn: Connection, delivery_no: str, status: str) -> list[tuple[int, Line]]:
    found = conn.execute(
        select(
            t.reservations.c.id,
            t.reservations.c.sku,
            t.reservations.c.qty,
            t.reservations.c.warehouse,
        )
        .where(t.reservations.c.delivery_no == delivery_no, t.reservations.c.status == status)
        .order_by(t.reservations.c.id)
    )
    return [(rid, Line(sku, qty, wh)) for rid, sku, qty, wh in found]


def _set(conn: Connection, rid: int, status: str, now: datetime) -> None:
    conn.execute(
        update(t.reservations).where(t.reservations.c.id == rid).values(status=status, updated=now)
    )


def allocate(conn: Connection, delivery_no: str, *, when_available: bool, now: datetime) -> str:
    """Take the reserved lines off the shelf: ``allocated`` or ``not_available``."""
    held = _held(conn, delivery_no, RESERVED)
    for _rid, line in held:
        have = _stock(conn, line.sku, line.warehouse)
        if have is None or have.quantity < line.qty:
            on_hand = 0 if have is None else have.quantity
            if when_available:
                return "not_available"
            raise TaskRefused(
                f"cannot allocate {line.qty} x {line.sku} in {line.warehouse}: "
                f"{on_hand} on hand (delivery {delivery_no})"
            )
    for rid, line in held:
        changed = conn.execute(
            update(t.stock)
            .where(
                t.stock.c.sku == line.sku,
                t.stock.c.warehouse == line.warehouse,
                t.stock.c.quantity >= line.qty,
                t.stock.c.reserved >= line.qty,
            )
            .values(quantity=t.stock.c.quantity - line.qty, reserved=t.stock.c.reserved - line.qty)
        ).rowcount
        if changed != 1:  # someone took it between the check and the update
            raise TaskRefused(f"stock of {line.sku} in {line.warehouse} changed meanwhile")
        _move(conn, line, "allocate", -line.qty, delivery_no, now)
        _set(conn, rid, ALLOCATED, now)
    return "allocated"


def check_release(conn: Connection, delivery_no: str, today: date) -> bool:
    """Whether every reserved line's SKU is released (its release date reached)."""
    for _rid, line in _held(conn, delivery_no, RESERVED):
        sku = _sku(conn, line.sku)
        if sku is None or (sku[1] is not None and sku[1] > today):
            return False
    return True


def void(conn: Connection, delivery_no: str, now: datetime) -> int:
    """Release the reservations of a delivery; returns how many lines."""
    held = _held(conn, delivery_no, RESERVED)
    for rid, line in held:
        conn.execute(
            update(t.stock)
            .where(
                t.stock.c.sku == line.sku,
                t.stock.c.warehouse == line.warehouse,
                t.stock.c.reserved >= line.qty,
            )
            .values(reserved=t.stock.c.reserved - line.qty)
        )
        _set(conn, rid, VOIDED, now)
    return len(held)


def credit(conn: Connection, delivery_no: str, now: datetime) -> int:
    """Put the allocated lines of a delivery back on the shelf; returns how many lines."""
    held = _held(conn, delivery_no, ALLOCATED)
    for rid, line in held:
        conn.execute(
            update(t.stock)
            .where(t.stock.c.sku == line.sku, t.stock.c.warehouse == line.warehouse)
            .values(quantity=t.stock.c.quantity + line.qty)
        )
        _move(conn, line, "credit", line.qty, delivery_no, now)
        _set(conn, rid, CREDITED, now)
    return len(held)


def receive(
    conn: Connection, sku: str, warehouse: str, qty: int, reference: str, now: datetime
) -> list[str]:
    """Put ``qty`` on the shelf; returns the deliveries whose reservations wait for it."""
    if qty <= 0:
        raise ValueError("a receipt needs a positive quantity")
    if _sku(conn, sku) is None:
        raise ValueError(f"unknown SKU {sku!r}")
    line = Line(sku, qty, warehouse)
    if _stock(conn, sku, warehouse) is None:
        conn.execute(insert(t.stock).values(sku=sku, warehouse=warehouse, quantity=qty, reserved=0))
    else:
        conn.execute(
            update(t.stock)
            .where(t.stock.c.sku == sku, t.stock.c.warehouse == warehouse)
            .values(quantity=t.stock.c.quantity + qty)
        )
    _move(conn, line, "receive", qty, reference, now)
    waiting = conn.execute(
        select(t.reservations.c.delivery_no)
        .where(
            t.reservations.c.sku == sku,
            t.reservations.c.warehouse == warehouse,
            t.reservations.c.status == RESERVED,
        )
        .distinct()
        .order_by(t.reservations.c.delivery_no)
    ).scalars()
    return list(waiting)


def stock_rows(conn: Connection) -> list[StockRow]:
    found = conn.execute(
        select(t.stock.c.sku, t.stock.c.warehouse, t.stock.c.quantity, t.stock.c.reserved).order_by(
            t.stock.c.sku, t.stock.c.warehouse
        )
    )
    return [StockRow(*r) for r in found]


def reconcile(conn: Connection) -> list[str]:
    """What does not add up: a negative figure, ``quantity`` not equal to the sum of its
    moves, ``reserved`` not equal to the open reservations. Empty when the stock holds."""
    moves = dict(
        ((sku, wh), int(n))
        for sku, wh, n in conn.execute(
            select(
                t.stock_moves.c.sku, t.stock_moves.c.warehouse, func.sum(t.stock_moves.c.qty)
            ).group_by(t.stock_moves.c.sku, t.stock_moves.c.warehouse)
        )
    )
    held = dict(
        ((sku, wh), int(n))
        for sku, wh, n in conn.execute(
            select(t.reservations.c.sku, t.reservations.c.warehouse, func.sum(t.reservations.c.qty))
            .where(and_(t.reservations.c.status == RESERVED))
            .group_by(t.reservations.c.sku, t.reservations.c.warehouse)
        )
    )
    problems = []
    for row in stock_rows(conn):
        key = (row.sku, row.warehouse)
        if row.quantity < 0 or row.reserved < 0:
            problems.append(f"{row.sku}@{row.warehouse}: negative stock {row}")
        if moves.get(key, 0) != row.quantity:
            problems.append(
                f"{row.sku}@{row.warehouse}: quantity {row.quantity}, moves add up to "
                f"{moves.get(key, 0)}"
            )
        if held.get(key, 0) != row.reserved:
            problems.append(
                f"{row.sku}@{row.warehouse}: reserved {row.reserved}, open reservations "
                f"{held.get(key, 0)}"
            )
    return problems
