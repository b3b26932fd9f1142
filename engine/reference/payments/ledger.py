"""The payment ledger: one row per gateway operation, and the amounts per order.

Operations (Yes!Cart ``PaymentGateway``): ``AUTH``, ``AUTH_CAPTURE``, ``CAPTURE``,
``REVERSE_AUTH``, ``VOID_CAPTURE``, ``REFUND``. Results: ``OK``, ``PROCESSING``, ``FAILED``,
``MANUAL`` ("Manual processing required"). Only ``OK`` rows move money:

* **authorised**: OK ``AUTH`` + OK ``AUTH_CAPTURE``;
* **captured**: OK ``CAPTURE`` + OK ``AUTH_CAPTURE``;
* **refunded**: OK ``REFUND`` + OK ``VOID_CAPTURE``;
* **reversed**: OK ``REVERSE_AUTH``;
* **outstanding**: authorised, not yet captured nor reversed;
* **paid**: captured minus refunded (Yes!Cart's ``getOrderAmount``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select

from engine.reference import tables as t
from engine.reference.db import as_utc, money

__all__ = [
    "AUTH",
    "AUTH_CAPTURE",
    "CAPTURE",
    "FAILED",
    "MANUAL",
    "OK",
    "PROCESSING",
    "REFUND",
    "REVERSE_AUTH",
    "VOID_CAPTURE",
    "Balance",
    "Payment",
    "balance",
    "balances",
    "record",
    "rows",
]

AUTH, AUTH_CAPTURE, CAPTURE = "AUTH", "AUTH_CAPTURE", "CAPTURE"
REVERSE_AUTH, VOID_CAPTURE, REFUND = "REVERSE_AUTH", "VOID_CAPTURE", "REFUND"
OK, PROCESSING, FAILED, MANUAL = "OK", "PROCESSING", "FAILED", "MANUAL"


@dataclass(frozen=True, slots=True)
class Payment:
    """One ledger row."""

    id: int
    order_no: str
    shipment: str
    operation: str
    amount_cents: int
    result: str
    settled: bool
    reference: str
    message: str
    gateway: str
    created: datetime

    @property
    def amount(self) -> Decimal:
        return money(self.amount_cents)


@dataclass(frozen=True, slots=True)
class Balance:
    """The amounts of one order (or of all orders), in decimals."""

    authorised: Decimal
    captured: Decimal
    refunded: Decimal
    reversed: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.authorised - self.captured - self.reversed

    @property
    def paid(self) -> Decimal:
        return self.captured - self.refunded

    def as_result(self) -> dict[str, Decimal]:
        """The fields a payment task's outcome carries (charts read them as ``event.*``)."""
        return {
            "authorised": self.authorised,
            "captured": self.captured,
            "refunded": self.refunded,
            "outstanding": self.outstanding,
        }

    def problems(self) -> list[str]:
        """What breaks the ledger's rules (empty when it holds)."""
        out = []
        if self.captured > self.authorised:
            out.append(f"captured {self.captured} > authorised {self.authorised}")
        if self.refunded > self.captured:
            out.append(f"refunded {self.refunded} > captured {self.captured}")
        if self.outstanding < 0:
            out.append(f"outstanding {self.outstanding} < 0")
        return out


_COLUMNS = (
    t.payments.c.id,
    t.payments.c.order_no,
    t.payments.c.shipment,
    t.payments.c.operation,
    t.payments.c.amount_cents,
    t.payments.c.result,
    t.payments.c.settled,
    t.payments.c.reference,
    t.payments.c.message,
    t.payments.c.gateway,
    t.payments.c.created,
)


_INSERT = insert(t.payments)
_ROWS = (
    select(*_COLUMNS)
    .where(t.payments.c.order_no == bindparam("order_no"))
    .order_by(t.payments.c.id)
)


def rows(conn: Connection, order_no: str) -> list[Payment]:
    """The ledger rows of an order, oldest first."""
    found = conn.execute(_ROWS, {"order_no": order_no})
    return [Payment(**{**r._mapping, "created": as_utc(r.created)}) for r in found]


def record(
    conn: Connection,
    *,
    order_no: str,
    shipment: str,
    operation: str,
    amount_cents: int,
    result: str,
    settled: bool,
    reference: str,
    message: str,
    gateway: str,
    call_key: str,
    now: datetime,
) -> None:
    row = {
        "order_no": order_no,
        "shipment": shipment,
        "operation": operation,
        "amount_cents": amount_cents,
        "result": result,
        "settled": settled,
        "reference": reference,
        "message": message,
        "gateway": gateway,
        "call_key": call_key,
        "created": now,
    }
    conn.execute(_INSERT, row)


_BUCKET = {
    AUTH: ("authorised",),
    AUTH_CAPTURE: ("authorised", "captured"),
    CAPTURE: ("captured",),
    REFUND: ("refunded",),
    VOID_CAPTURE: ("refunded",),
    REVERSE_AUTH: ("reversed",),
}


def _sum(pairs: Iterable[tuple[str, int]]) -> Balance:
    total: dict[str, int] = defaultdict(int)
    for operation, amount in pairs:
        for bucket in _BUCKET.get(operation, ()):
            total[bucket] += amount
    return Balance(
        money(total["authorised"]),
        money(total["captured"]),
        money(total["refunded"]),
        money(total["reversed"]),
    )


def balance(conn: Connection, order_no: str) -> Balance:
    """The amounts of one order."""
    found = conn.execute(
        select(t.payments.c.operation, func.sum(t.payments.c.amount_cents))
        .where(t.payments.c.order_no == order_no, t.payments.c.result == OK)
        .group_by(t.payments.c.operation)
    )
    return _sum((op, int(amount)) for op, amount in found)


def balances(conn: Connection, orders: Sequence[str] | None = None) -> dict[str, Balance]:
    """The amounts of every order in the ledger (or of ``orders``)."""
    query = (
        select(
            t.payments.c.order_no,
            t.payments.c.operation,
            func.sum(t.payments.c.amount_cents),
        )
        .where(t.payments.c.result == OK)
        .group_by(t.payments.c.order_no, t.payments.c.operation)
    )
    if orders is not None:
        query = query.where(t.payments.c.order_no.in_(list(orders)))
    by_order: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for order_no, operation, amount in conn.execute(query):
        by_order[order_no].append((operation, int(amount)))
    return {order_no: _sum(pairs) for order_no, pairs in sorted(by_order.items())}


def total(found: Iterable[Balance]) -> Balance:
    """The sum of several balances."""
    zero = Decimal("0.00")
    a = c = r = v = zero
    for b in found:
        a, c, r, v = a + b.authorised, c + b.captured, r + b.refunded, v + b.reversed
    return Balance(a, c, r, v)


def as_row(p: Payment) -> dict[str, Any]:
    """A ledger row for JSON output."""
    return {
        "id": p.id,
        "order_no": p.order_no,
        "shipment": p.shipment,
        "operation": p.operation,
        "amount": p.amount,
        "result": p.result,
        "settled": p.settled,
        "reference": p.reference,
        "message": p.message,
        "gateway": p.gateway,
        "created": p.created,
    }
