"""The reference payment gateway, modelled on Yes!Cart's test gateways (yescart-osm §4).

The order's ``payment_mode`` picks the gateway and its features (§4.1):

| mode | gateway | writes |
|---|---|---|
| ``online_auth`` | testPaymentGateway (authorise) | AUTH, CAPTURE at release to shipment |
| ``online_capture`` | testPaymentGateway | AUTH_CAPTURE (pre-paid) |
| ``offline_prepaid`` | prePaymentGateway | AUTH_CAPTURE when a manager confirms |
| ``offline_on_delivery`` | courierPaymentGateway | AUTH when confirmed, CAPTURE on delivery |
| ``offline_auto_capture`` | authInvoicePaymentGateway | AUTH at once, CAPTURE at release |
| ``external_form`` | testExtFormPaymentGateway | AUTH_CAPTURE reported by the callback; no refunds |

Payments are made per delivery (``per_shipment``, the shipment reference is the delivery
number) or once per order (the reference is the order number, captured by the first
delivery released, §4.3). Faults come from :mod:`.faults`. Every method writes ledger rows
through one :class:`Call` and answers ``ok``, ``processing``, ``failed`` or ``manual``.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from engine.reference.db import TaskRefused
from engine.reference.payments import ledger
from engine.reference.payments.faults import Faults
from engine.reference.payments.ledger import (
    AUTH,
    AUTH_CAPTURE,
    CAPTURE,
    FAILED,
    MANUAL,
    OK,
    PROCESSING,
    REFUND,
    REVERSE_AUTH,
    VOID_CAPTURE,
    Payment,
)

__all__ = ["GATEWAYS", "Call", "Gateway", "authorize", "cancel", "capture", "refund_notified"]

FORCED = "forceManualProcessing"


@dataclass(frozen=True, slots=True)
class Gateway:
    """A payment gateway's features (Yes!Cart ``PaymentGatewayFeature``)."""

    label: str
    online: bool
    supports_authorize: bool
    reverse_auth: bool
    refund: bool


GATEWAYS: dict[str, Gateway] = {
    "online_auth": Gateway("testPaymentGateway", True, True, True, True),
    "online_capture": Gateway("testPaymentGateway", True, False, True, True),
    "offline_prepaid": Gateway("prePaymentGateway", False, False, False, True),
    "offline_on_delivery": Gateway("courierPaymentGateway", False, True, True, True),
    "offline_auto_capture": Gateway("authInvoicePaymentGateway", False, True, True, True),
    "external_form": Gateway("testExtFormPaymentGateway", True, False, False, False),
}


@dataclass(slots=True)
class Call:
    """One task call's view of an order: its gateway, faults and ledger rows."""

    conn: Connection
    order_no: str
    gateway: Gateway
    call_key: str
    now: datetime
    faults: Faults
    rows: list[Payment]

    @staticmethod
    def open(conn: Connection, order_no: str, mode: str, call_key: str, now: datetime) -> Call:
        gateway = GATEWAYS.get(mode)
        if gateway is None:
            raise TaskRefused(f"unknown payment mode {mode!r}")
        return Call(
            conn,
            order_no,
            gateway,
            call_key,
            now,
            Faults.load(conn, order_no),
            ledger.rows(conn, order_no),
        )

    def write(
        self,
        shipment: str,
        operation: str,
        amount_cents: int,
        result: str,
        *,
        settled: bool = False,
        message: str = "",
    ) -> str:
        ledger.record(
            self.conn,
            order_no=self.order_no,
            shipment=shipment,
            operation=operation,
            amount_cents=amount_cents,
            result=result,
            settled=settled,
            reference=uuid.uuid4().hex[:12],
            message=message,
            gateway=self.gateway.label,
            call_key=self.call_key,
            now=self.now,
        )
        return result

    def fault(self, name: str, amount_cents: int) -> bool:
        return self.faults.has(name, amount_cents)

    # -- what is open -----------------------------------------------------------------
    def open_auths(self, shipment: str | None = None) -> list[tuple[str, int]]:
        """OK AUTHs without an OK/processing CAPTURE or an OK REVERSE_AUTH (same amount)."""
        opened: Counter[tuple[str, int]] = Counter()
        closed: Counter[tuple[str, int]] = Counter()
        for p in self.rows:
            if shipment is not None and p.shipment != shipment:
                continue
            key = (p.shipment, p.amount_cents)
            if p.operation == AUTH and p.result == OK:
                opened[key] += 1
            elif (p.operation == CAPTURE and p.result in (OK, PROCESSING)) or (
                p.operation == REVERSE_AUTH and p.result == OK
            ):
                closed[key] += 1
        return sorted((opened - closed).elements())

    def refundable(self) -> list[tuple[str, int, bool]]:
        """Per shipment: captured and not yet refunded or voided (cents), and settled."""
        left: dict[str, int] = defaultdict(int)
        settled: dict[str, bool] = defaultdict(bool)
        for p in self.rows:
            if p.result != OK:
                continue
            if p.operation in (CAPTURE, AUTH_CAPTURE):
                left[p.shipment] += p.amount_cents
                settled[p.shipment] |= p.settled
            elif p.operation in (REFUND, VOID_CAPTURE):
                left[p.shipment] -= p.amount_cents
        return [(s, n, settled[s]) for s, n in sorted(left.items()) if n > 0]


def _outcome(results: Sequence[str]) -> str:
    if FAILED in results:
        return "failed"
    if MANUAL in results:
        return "manual"
    if PROCESSING in results:
        return "processing"
    return "ok"


def _payments(
    order_no: str, total: int, per_shipment: bool, deliveries: Sequence[tuple[str, int]]
) -> list[tuple[str, int]]:
    if per_shipment and deliveries:
        return list(deliveries)
    return [(order_no, total)]


def authorize(
    call: Call,
    *,
    total_cents: int,
    per_shipment: bool,
    deliveries: Sequence[tuple[str, int]],
    callback: bool,
) -> str:
    """``PaymentProcessorImpl.authorize`` (§4.2); ``callback`` resolves what was processing."""
    if callback:
        pending = [
            p for p in call.rows if p.operation in (AUTH, AUTH_CAPTURE) and p.result == PROCESSING
        ]
        resolved = {(p.shipment, p.amount_cents) for p in call.rows if p.result in (OK, FAILED)}
        # one answer per payment still processing (a callback may have said so twice)
        waiting = list(
            {
                (p.shipment, p.amount_cents): p
                for p in pending
                if (p.shipment, p.amount_cents) not in resolved
            }.values()
        )
        if waiting:
            return _resolve(call, waiting)
        if any(p.operation in (AUTH, AUTH_CAPTURE) and p.result == OK for p in call.rows):
            return "ok"  # a callback for what is already paid
    planned = _payments(call.order_no, total_cents, per_shipment, deliveries)
    if call.gateway.supports_authorize:
        return _auth(call, planned)
    return _auth_capture(call, planned)


def _auth(call: Call, planned: list[tuple[str, int]]) -> str:
    results: list[str] = []
    for shipment, amount in planned:
        if FAILED in results:
            call.write(shipment, AUTH, amount, FAILED, message="skipped due to previous errors")
            continue
        results.append(call.write(shipment, AUTH, amount, _auth_result(call, AUTH, amount)))
    if FAILED in results:
        call.rows = ledger.rows(call.conn, call.order_no)
        _reverse_open(call, manual=False)
        return "failed"
    return _outcome(results)


def _auth_result(call: Call, operation: str, amount: int) -> str:
    if call.fault(f"{operation}_FAIL", amount):
        return FAILED
    if call.fault("PROCESSING", amount):
        return PROCESSING
    return OK


def _auth_capture(call: Call, planned: list[tuple[str, int]]) -> str:
    results = []
    for shipment, amount in planned:
        result = _auth_result(call, AUTH_CAPTURE, amount)
        settled = result == OK and not call.fault("UNSETTLED", amount)
        results.append(call.write(shipment, AUTH_CAPTURE, amount, result, settled=settled))
    if all(r == FAILED for r in results):
        return "failed"
    if FAILED in results:  # a mix of paid and failed waits for a manual refund (§4.2)
        return "processing"
    return _outcome(results)


def _resolve(call: Call, waiting: list[Payment]) -> str:
    """The callback's answer for payments that were processing."""
    results = []
    for p in waiting:
        result = _auth_result(call, p.operation, p.amount_cents)
        settled = p.operation == AUTH_CAPTURE and result == OK
        settled = settled and not call.fault("UNSETTLED", p.amount_cents)
        results.append(call.write(p.shipment, p.operation, p.amount_cents, result, settled=settled))
    if FAILED in results and call.gateway.supports_authorize:
        call.rows = ledger.rows(call.conn, call.order_no)
        _reverse_open(call, manual=False)
        return "failed"
    return _outcome(results)


def forced(message: str = "") -> str:
    """The message of a forced (manual) payment row: the result code, and the person's
    required message when there is one (``forceManualProcessing: ann: paid by phone``)."""
    return f"{FORCED}: {message}" if message else FORCED


def capture(call: Call, *, shipment: str, manual: bool, message: str = "") -> str:
    """``shipmentComplete`` (§4.3): CAPTURE the open AUTHs of ``shipment``; ``manual``
    writes a forced, settled CAPTURE without asking the gateway, with the override's
    required ``message`` kept on the payment row (§4.6)."""
    if not call.gateway.supports_authorize:
        return "ok"  # paid up front: nothing to capture
    results = []
    for ref, amount in call.open_auths(shipment):
        if manual:
            note = forced(message)
            results.append(call.write(ref, CAPTURE, amount, OK, settled=True, message=note))
        elif call.fault("CAPTURE_FAIL", amount):
            results.append(call.write(ref, CAPTURE, amount, FAILED))
        else:
            settled = not call.fault("UNSETTLED", amount)
            results.append(call.write(ref, CAPTURE, amount, OK, settled=settled))
    return _outcome(results)


def cancel(call: Call, *, manual: bool, message: str = "") -> str:
    """``cancelOrder`` (§4.5): reverse the open AUTHs, then refund (settled) or void
    (unsettled) every open capture. ``manual`` records OK rows without the gateway, each
    with the required ``message`` (§4.6)."""
    results = _reverse_open(call, manual=manual, message=message)
    for shipment, amount, settled in call.refundable():
        operation = REFUND if settled else VOID_CAPTURE
        if manual:
            note = forced(message)
            results.append(call.write(shipment, operation, amount, OK, message=note))
        elif operation == REFUND and not call.gateway.refund:
            message = "Manual processing required"
            results.append(call.write(shipment, operation, amount, MANUAL, message=message))
        elif call.fault(f"{operation}_FAIL", amount):
            results.append(call.write(shipment, operation, amount, FAILED))
        else:
            results.append(call.write(shipment, operation, amount, OK))
    return _outcome(results)


def _reverse_open(call: Call, *, manual: bool, message: str = "") -> list[str]:
    if not call.gateway.reverse_auth:
        return []
    results = []
    for ref, amount in call.open_auths():
        if manual:
            results.append(call.write(ref, REVERSE_AUTH, amount, OK, message=forced(message)))
        elif call.fault("REVERSE_AUTH_FAIL", amount):
            results.append(call.write(ref, REVERSE_AUTH, amount, FAILED))
        else:
            results.append(call.write(ref, REVERSE_AUTH, amount, OK))
    return results


def refund_notified(call: Call, *, amount_cents: int) -> str:
    """A refund made outside the shop and notified by the gateway (``evt.refund.external``):
    OK REFUND (settled capture) or VOID_CAPTURE rows, at most what is still paid."""
    left = amount_cents
    for shipment, amount, settled in call.refundable():
        if left <= 0:
            break
        part = min(left, amount)
        call.write(shipment, REFUND if settled else VOID_CAPTURE, part, OK, message="external")
        left -= part
    return "ok"
