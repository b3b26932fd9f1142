"""The payment gateway as task handlers, and the ledger as a library API.

Task handlers (Yes!Cart charts): ``authorize_payment``, ``capture_payment``,
``cancel_payment``. Each answers ``{"outcome": ok | processing | failed | manual}`` plus the
order's amounts after the call (``authorised``, ``captured``, ``refunded``, ``outstanding``),
which a chart can read as ``event.captured`` and so on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from engine.reference.db import RefDb, cents
from engine.reference.payments import gateway, ledger
from engine.reference.payments.faults import Faults
from engine.reference.payments.ledger import Balance, Payment

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from engine.runtime import InstanceInfo
    from engine.service import TaskHandler

__all__ = ["Payments"]


class Payments:
    """The test payment gateway and its ledger, in the statewise database."""

    def __init__(self, db: RefDb) -> None:
        self.db = db

    # -- task handlers ----------------------------------------------------------------
    def authorize_payment(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        deliveries = [(str(d["number"]), cents(d["amount"])) for d in input.get("deliveries", ())]

        def work(conn: Connection) -> Mapping[str, Any]:
            call = self._call(conn, input, idempotency_key)
            outcome = gateway.authorize(
                call,
                total_cents=cents(input["amount"]),
                per_shipment=bool(input.get("per_shipment", False)),
                deliveries=deliveries,
                callback=bool(input.get("callback", False)),
            )
            return self._answer(conn, call, outcome)

        return self.db.once(idempotency_key, "payments", "authorize", work)

    def capture_payment(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        per_shipment = bool(input.get("per_shipment", False))
        shipment = str(input["delivery_number"] if per_shipment else input["order_no"])

        def work(conn: Connection) -> Mapping[str, Any]:
            call = self._call(conn, input, idempotency_key)
            manual = bool(input.get("manual", False))
            message = str(input.get("message") or "")
            outcome = gateway.capture(call, shipment=shipment, manual=manual, message=message)
            return self._answer(conn, call, outcome)

        return self.db.once(idempotency_key, "payments", "capture", work)

    def cancel_payment(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        def work(conn: Connection) -> Mapping[str, Any]:
            call = self._call(conn, input, idempotency_key)
            manual, message = bool(input.get("manual", False)), str(input.get("message") or "")
            outcome = gateway.cancel(call, manual=manual, message=message)
            return self._answer(conn, call, outcome)

        return self.db.once(idempotency_key, "payments", "cancel", work)

    def tasks(self) -> dict[str, TaskHandler]:
        return {
            "authorize_payment": self.authorize_payment,
            "capture_payment": self.capture_payment,
            "cancel_payment": self.cancel_payment,
        }

    def _call(self, conn: Connection, input: Mapping[str, Any], key: str) -> gateway.Call:
        mode = str(input.get("payment_mode", "online_auth"))
        return gateway.Call.open(conn, str(input["order_no"]), mode, key, self.db.now())

    @staticmethod
    def _answer(conn: Connection, call: gateway.Call, outcome: str) -> dict[str, Any]:
        return {"outcome": outcome, **ledger.balance(conn, call.order_no).as_result()}

    # -- the gateway's other doors ----------------------------------------------------
    def refund_notified(
        self, order_no: str, amount: Decimal | str, *, payment_mode: str, key: str
    ) -> Balance:
        """Record a refund made outside the shop (the PG's REFUND callback); idempotent
        on ``key`` (the callback's id). Returns the order's amounts afterwards."""

        def work(conn: Connection) -> Mapping[str, Any]:
            call = gateway.Call.open(conn, order_no, payment_mode, key, self.db.now())
            gateway.refund_notified(call, amount_cents=cents(amount))
            return {}

        self.db.once(key, "payments", "refund_notified", work)
        return self.balance(order_no)

    # -- faults -----------------------------------------------------------------------
    def inject(self, order_no: str, *codes: str) -> list[str]:
        """Make the gateway fail for this order (``AUTH_FAIL``, ``REFUND_FAIL_SEQNO_84.77``
        ...); returns the order's faults now. ValueError for an unknown code."""
        with self.db.begin() as conn:
            return Faults.set(conn, order_no, codes)

    def faults(self, order_no: str) -> list[str]:
        """The faults injected for an order."""
        with self.db.begin() as conn:
            return Faults.codes(conn, order_no)

    def clear(self, order_no: str, *codes: str) -> None:
        """Remove faults of an order (all when none are named): the gateway recovered."""
        with self.db.begin() as conn:
            Faults.clear(conn, order_no, codes)

    # -- the ledger -------------------------------------------------------------------
    def rows(self, order_no: str) -> list[Payment]:
        with self.db.begin() as conn:
            return ledger.rows(conn, order_no)

    def balance(self, order_no: str) -> Balance:
        with self.db.begin() as conn:
            return ledger.balance(conn, order_no)

    def balances(self, orders: Iterable[str] | None = None) -> dict[str, Balance]:
        with self.db.begin() as conn:
            return ledger.balances(conn, None if orders is None else list(orders))
