"""Fault injection for the test payment gateway, per order.

Modelled on Yes!Cart's ``TestPaymentGatewayImpl`` parameters: ``AUTH_FAIL``,
``AUTH_CAPTURE_FAIL``, ``CAPTURE_FAIL``, ``REVERSE_AUTH_FAIL``, ``VOID_CAPTURE_FAIL``,
``REFUND_FAIL``, ``PROCESSING`` (an AUTH or AUTH_CAPTURE answers "processing") and
``UNSETTLED`` (a capture is not batch-settled, so cancelling it voids instead of
refunding). Each may be limited to the payment of one amount: ``AUTH_FAIL_SEQNO_259.74``
fails only the AUTH of 259.74. One order can carry several faults; different orders in
one run carry different ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import Connection, delete, insert, select

from engine.reference import tables as t
from engine.reference.db import cents

__all__ = ["FAULTS", "Fault", "Faults", "parse_fault"]

#: the fault codes, without a ``_SEQNO_<amount>`` limit
FAULTS = (
    "AUTH_FAIL",
    "AUTH_CAPTURE_FAIL",
    "CAPTURE_FAIL",
    "REVERSE_AUTH_FAIL",
    "VOID_CAPTURE_FAIL",
    "REFUND_FAIL",
    "PROCESSING",
    "UNSETTLED",
)
_SEQNO = "_SEQNO_"


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected fault; ``amount_cents`` limits it to the payment of that amount."""

    name: str
    amount_cents: int | None = None

    @property
    def code(self) -> str:
        if self.amount_cents is None:
            return self.name
        return f"{self.name}{_SEQNO}{Decimal(self.amount_cents) / 100:.2f}"


def parse_fault(code: str) -> Fault:
    """``AUTH_FAIL`` or ``AUTH_FAIL_SEQNO_259.74``; ValueError names the known codes."""
    name, sep, amount = code.strip().upper().partition(_SEQNO)
    if name not in FAULTS:
        raise ValueError(f"unknown payment fault {code!r}; expected one of {', '.join(FAULTS)}")
    if not sep:
        return Fault(name)
    try:
        return Fault(name, cents(amount))
    except InvalidOperation:
        raise ValueError(f"{code!r}: {amount!r} is not an amount") from None


class Faults:
    """The faults of one order, read once per gateway call."""

    def __init__(self, found: Iterable[Fault]) -> None:
        self._found = tuple(found)

    def has(self, name: str, amount_cents: int) -> bool:
        return any(f.name == name and f.amount_cents in (None, amount_cents) for f in self._found)

    @staticmethod
    def load(conn: Connection, order_no: str) -> Faults:
        return Faults(parse_fault(c) for c in Faults.codes(conn, order_no))

    @staticmethod
    def codes(conn: Connection, order_no: str) -> list[str]:
        found = conn.execute(
            select(t.payment_faults.c.code).where(t.payment_faults.c.order_no == order_no)
        ).scalars()
        return sorted(found)

    @staticmethod
    def set(conn: Connection, order_no: str, codes: Iterable[str]) -> list[str]:
        """Add faults to an order (codes are checked first); returns the codes stored."""
        parsed = [parse_fault(c) for c in codes]
        have = set(Faults.codes(conn, order_no))
        for fault in parsed:
            if fault.code not in have:
                conn.execute(insert(t.payment_faults).values(order_no=order_no, code=fault.code))
                have.add(fault.code)
        return sorted(have)

    @staticmethod
    def clear(conn: Connection, order_no: str, codes: Iterable[str] = ()) -> None:
        """Remove the named faults of an order (all of them when none are named)."""
        query = delete(t.payment_faults).where(t.payment_faults.c.order_no == order_no)
        named = [parse_fault(c).code for c in codes]
        if named:
            query = query.where(t.payment_faults.c.code.in_(named))
        conn.execute(query)
