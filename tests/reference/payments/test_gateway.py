"""The reference payment gateway: every mode and every fault, against the ledger it writes.

Expected rows follow Yes!Cart's tests (yescart-osm §9.1); the amounts are those of its test
orders (Standard 689.74 = 459.83 + 229.91, Mixed 1034.25 = 689.74 + 259.74 + 84.77).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from engine.reference.app import ReferenceSystems
from engine.reference.db import TaskRefused
from tests.reference.conftest import Calls

STANDARD = [("100-1", "459.83"), ("100-2", "229.91")]
MIXED = [("100-1", "689.74"), ("100-2", "259.74"), ("100-3", "84.77")]


def _deliveries(parts: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"number": n, "group": "D1", "amount": a} for n, a in parts]


def authorize(
    systems: ReferenceSystems,
    calls: Calls,
    *,
    mode: str,
    parts: list[tuple[str, str]] = STANDARD,
    per_shipment: bool = True,
    callback: bool = False,
    key: str | None = None,
) -> dict[str, Any]:
    total = sum(Decimal(a) for _, a in parts)
    return dict(
        systems.payments.authorize_payment(
            {
                "order_no": "100",
                "amount": total,
                "callback": callback,
                "payment_mode": mode,
                "per_shipment": per_shipment,
                "deliveries": _deliveries(parts),
            },
            idempotency_key=key or calls.key(),
            instance=calls.instance,
        )
    )


def capture(
    systems: ReferenceSystems,
    calls: Calls,
    delivery: str,
    *,
    mode: str = "online_auth",
    per_shipment: bool = True,
    manual: bool = False,
    message: str | None = None,
) -> str:
    answer = systems.payments.capture_payment(
        {
            "order_no": "100",
            "delivery_number": delivery,
            "amount": Decimal("0"),
            "per_shipment": per_shipment,
            "manual": manual,
            "payment_mode": mode,
            "message": message,
        },
        idempotency_key=calls.key(),
        instance=calls.instance,
    )
    return str(answer["outcome"])


def cancel(
    systems: ReferenceSystems,
    calls: Calls,
    *,
    mode: str = "online_auth",
    manual: bool = False,
    message: str | None = None,
) -> str:
    answer = systems.payments.cancel_payment(
        {"order_no": "100", "manual": manual, "payment_mode": mode, "message": message},
        idempotency_key=calls.key(),
        instance=calls.instance,
    )
    return str(answer["outcome"])


def ledger(systems: ReferenceSystems) -> list[tuple[str, str, str, str, bool]]:
    return [
        (p.operation, p.shipment, str(p.amount), p.result, p.settled)
        for p in systems.payments.rows("100")
    ]


@pytest.fixture(autouse=True)
def _ledger_rules_hold(systems: ReferenceSystems) -> Any:
    yield
    assert systems.payments.balance("100").problems() == []


def test_online_auth_per_shipment(systems: ReferenceSystems, calls: Calls) -> None:
    answer = authorize(systems, calls, mode="online_auth")
    assert answer["outcome"] == "ok"
    assert answer["authorised"] == Decimal("689.74") and answer["captured"] == Decimal("0.00")
    assert ledger(systems) == [
        ("AUTH", "100-1", "459.83", "OK", False),
        ("AUTH", "100-2", "229.91", "OK", False),
    ]
    assert capture(systems, calls, "100-1") == "ok"
    assert systems.payments.balance("100").outstanding == Decimal("229.91")


def test_online_capture_is_settled(systems: ReferenceSystems, calls: Calls) -> None:
    assert authorize(systems, calls, mode="online_capture", per_shipment=False)["outcome"] == "ok"
    assert ledger(systems) == [("AUTH_CAPTURE", "100", "689.74", "OK", True)]
    assert systems.payments.balance("100").paid == Decimal("689.74")


def test_unsettled_capture_is_voided_not_refunded(systems: ReferenceSystems, calls: Calls) -> None:
    systems.payments.inject("100", "UNSETTLED")
    authorize(systems, calls, mode="online_capture", per_shipment=False)
    assert cancel(systems, calls, mode="online_capture") == "ok"
    assert [r[0] for r in ledger(systems)] == ["AUTH_CAPTURE", "VOID_CAPTURE"]
    assert ledger(systems)[0][4] is False  # not settled
    assert systems.payments.balance("100").paid == Decimal("0.00")


def test_processing_then_a_callback_settles_it(systems: ReferenceSystems, calls: Calls) -> None:
    systems.payments.inject("100", "PROCESSING")
    assert authorize(systems, calls, mode="online_auth", per_shipment=False)["outcome"] == (
        "processing"
    )
    # the gateway is still processing: the callback says so again
    again = authorize(systems, calls, mode="online_auth", per_shipment=False, callback=True)
    assert again["outcome"] == "processing"
    systems.payments.clear("100", "PROCESSING")
    done = authorize(systems, calls, mode="online_auth", per_shipment=False, callback=True)
    assert done["outcome"] == "ok"
    assert [r[3] for r in ledger(systems)] == ["PROCESSING", "PROCESSING", "OK"]


def test_callback_with_auth_fail_after_processing(systems: ReferenceSystems, calls: Calls) -> None:
    """§9.1 #16: AUTH Processing, then the callback fails: AUTH Failed, nothing open."""
    systems.payments.inject("100", "PROCESSING")
    authorize(systems, calls, mode="online_auth", per_shipment=False)
    systems.payments.clear("100")
    systems.payments.inject("100", "AUTH_FAIL")
    answer = authorize(systems, calls, mode="online_auth", per_shipment=False, callback=True)
    assert answer["outcome"] == "failed"
    assert [(r[0], r[3]) for r in ledger(systems)] == [("AUTH", "PROCESSING"), ("AUTH", "FAILED")]


def test_auth_fail(systems: ReferenceSystems, calls: Calls) -> None:
    systems.payments.inject("100", "AUTH_FAIL")
    assert authorize(systems, calls, mode="online_auth")["outcome"] == "failed"
    assert [r[3] for r in ledger(systems)] == ["FAILED", "FAILED"]  # the second is skipped


def test_partial_auth_fail_reverses_the_ok_auths(systems: ReferenceSystems, calls: Calls) -> None:
    """§9.1 #6: the AUTH of 259.74 fails: 84.77 is skipped, 689.74 reversed."""
    systems.payments.inject("100", "AUTH_FAIL_SEQNO_259.74")
    assert authorize(systems, calls, mode="online_auth", parts=MIXED)["outcome"] == "failed"
    assert ledger(systems) == [
        ("AUTH", "100-1", "689.74", "OK", False),
        ("AUTH", "100-2", "259.74", "FAILED", False),
        ("AUTH", "100-3", "84.77", "FAILED", False),
        ("REVERSE_AUTH", "100-1", "689.74", "OK", False),
    ]
    assert systems.payments.rows("100")[2].message == "skipped due to previous errors"
    assert systems.payments.balance("100").outstanding == Decimal("0.00")


def test_partial_auth_capture_fail_is_processing(systems: ReferenceSystems, calls: Calls) -> None:
    """§9.1 #7: AUTH_CAPTURE fails for 259.74 only: left for a manual refund, paid 774.51."""
    systems.payments.inject("100", "AUTH_CAPTURE_FAIL_SEQNO_259.74")
    answer = authorize(systems, calls, mode="online_capture", parts=MIXED)
    assert answer["outcome"] == "processing"
    assert systems.payments.balance("100").paid == Decimal("774.51")


def test_every_auth_capture_failing_fails(systems: ReferenceSystems, calls: Calls) -> None:
    systems.payments.inject("100", "AUTH_CAPTURE_FAIL")
    assert authorize(systems, calls, mode="online_capture")["outcome"] == "failed"


def test_capture_fail_then_manual_payment(systems: ReferenceSystems, calls: Calls) -> None:
    """§9.1 #21: CAPTURE Failed, then a forced, settled CAPTURE (forceManualProcessing)."""
    authorize(systems, calls, mode="online_auth")
    systems.payments.inject("100", "CAPTURE_FAIL")
    assert capture(systems, calls, "100-1") == "failed"
    assert capture(systems, calls, "100-1", manual=True) == "ok"
    assert ledger(systems)[2:] == [
        ("CAPTURE", "100-1", "459.83", "FAILED", False),
        ("CAPTURE", "100-1", "459.83", "OK", True),
    ]
    assert systems.payments.rows("100")[-1].message == "forceManualProcessing"


def test_a_manual_override_keeps_its_message_with_the_payment(
    systems: ReferenceSystems, calls: Calls
) -> None:
    """§4.6: the override's required message ("user: message") is on the payment row."""
    authorize(systems, calls, mode="online_auth")
    systems.payments.inject("100", "CAPTURE_FAIL")
    assert capture(systems, calls, "100-1") == "failed"
    assert capture(systems, calls, "100-1", manual=True, message="ann: paid by phone") == "ok"
    assert systems.payments.rows("100")[-1].message == "forceManualProcessing: ann: paid by phone"
    systems.payments.inject("100", "REFUND_FAIL")
    assert cancel(systems, calls) == "failed"
    assert cancel(systems, calls, manual=True, message="bo: refunded by transfer") == "ok"
    manual = [p for p in systems.payments.rows("100") if p.message.endswith("by transfer")]
    assert manual and all(p.message.startswith("forceManualProcessing: bo:") for p in manual)


def test_order_level_auth_is_captured_by_the_first_delivery(
    systems: ReferenceSystems, calls: Calls
) -> None:
    """§4.3: one AUTH for the order; the first delivery released captures it all."""
    authorize(systems, calls, mode="online_auth", per_shipment=False)
    assert capture(systems, calls, "100-1", per_shipment=False) == "ok"
    assert capture(systems, calls, "100-2", per_shipment=False) == "ok"  # nothing open
    assert [r[:4] for r in ledger(systems)] == [
        ("AUTH", "100", "689.74", "OK"),
        ("CAPTURE", "100", "689.74", "OK"),
    ]


def test_reverse_auth_fail(systems: ReferenceSystems, calls: Calls) -> None:
    authorize(systems, calls, mode="online_auth")
    systems.payments.inject("100", "REVERSE_AUTH_FAIL_SEQNO_229.91")
    assert cancel(systems, calls) == "failed"
    assert [(r[0], r[2], r[3]) for r in ledger(systems)[2:]] == [
        ("REVERSE_AUTH", "459.83", "OK"),
        ("REVERSE_AUTH", "229.91", "FAILED"),
    ]


def test_void_capture_fail(systems: ReferenceSystems, calls: Calls) -> None:
    systems.payments.inject("100", "UNSETTLED", "VOID_CAPTURE_FAIL")
    authorize(systems, calls, mode="online_capture", per_shipment=False)
    assert cancel(systems, calls, mode="online_capture") == "failed"
    assert ledger(systems)[-1][:4] == ("VOID_CAPTURE", "100", "689.74", "FAILED")


def test_refund_fails_then_a_retry_succeeds(systems: ReferenceSystems, calls: Calls) -> None:
    """§9.1 #28: REFUND_FAIL, retry fails, the gateway recovers, the retry refunds."""
    authorize(systems, calls, mode="online_auth")
    capture(systems, calls, "100-1")
    capture(systems, calls, "100-2")
    systems.payments.inject("100", "REFUND_FAIL")
    assert cancel(systems, calls) == "failed"
    assert cancel(systems, calls) == "failed"
    systems.payments.clear("100", "REFUND_FAIL")
    assert cancel(systems, calls) == "ok"
    balance = systems.payments.balance("100")
    assert balance.refunded == balance.captured == Decimal("689.74")
    assert [r[3] for r in ledger(systems) if r[0] == "REFUND"] == ["FAILED"] * 4 + ["OK"] * 2


def test_refund_fail_for_one_amount(systems: ReferenceSystems, calls: Calls) -> None:
    """§9.1 #29: per-shipment captures, the REFUND of 84.77 fails."""
    systems.payments.inject("100", "REFUND_FAIL_SEQNO_84.77")
    authorize(systems, calls, mode="online_capture", parts=MIXED)
    assert cancel(systems, calls, mode="online_capture") == "failed"
    refunds = [(r[2], r[3]) for r in ledger(systems) if r[0] == "REFUND"]
    assert refunds == [("689.74", "OK"), ("259.74", "OK"), ("84.77", "FAILED")]


def test_external_form_cannot_refund_then_a_manual_refund(
    systems: ReferenceSystems, calls: Calls
) -> None:
    """§9.1 #15: REFUND "Manual processing required"; the manual refund closes it."""
    answer = authorize(systems, calls, mode="external_form", per_shipment=False, callback=True)
    assert answer["outcome"] == "ok"
    assert cancel(systems, calls, mode="external_form") == "manual"
    assert systems.payments.rows("100")[-1].message == "Manual processing required"
    assert cancel(systems, calls, mode="external_form", manual=True) == "ok"
    assert systems.payments.balance("100").paid == Decimal("0.00")


def test_courier_auth_at_confirmation_capture_on_delivery(
    systems: ReferenceSystems, calls: Calls
) -> None:
    assert authorize(systems, calls, mode="offline_on_delivery")["outcome"] == "ok"
    assert capture(systems, calls, "100-2", mode="offline_on_delivery") == "ok"
    assert [r[:2] for r in ledger(systems)] == [
        ("AUTH", "100-1"),
        ("AUTH", "100-2"),
        ("CAPTURE", "100-2"),
    ]
    assert {r.gateway for r in systems.payments.rows("100")} == {"courierPaymentGateway"}


def test_prepayment_writes_auth_capture_and_needs_no_capture(
    systems: ReferenceSystems, calls: Calls
) -> None:
    authorize(systems, calls, mode="offline_prepaid", per_shipment=False)
    assert capture(systems, calls, "100-1", mode="offline_prepaid") == "ok"
    assert [r[0] for r in ledger(systems)] == ["AUTH_CAPTURE"]


def test_refund_notified_by_the_gateway(systems: ReferenceSystems, calls: Calls) -> None:
    authorize(systems, calls, mode="online_capture", per_shipment=False)
    balance = systems.payments.refund_notified(
        "100", "50.00", payment_mode="online_capture", key="cb-1"
    )
    assert balance.refunded == Decimal("50.00") and balance.paid == Decimal("639.74")
    systems.payments.refund_notified("100", "50.00", payment_mode="online_capture", key="cb-1")
    assert systems.payments.balance("100").refunded == Decimal("50.00")  # once per callback


def test_a_repeated_call_answers_the_same_and_writes_nothing(
    systems: ReferenceSystems, calls: Calls
) -> None:
    first = authorize(systems, calls, mode="online_auth", key="outbox-7")
    systems.payments.inject("100", "AUTH_FAIL")  # would fail now: the call is not made again
    second = authorize(systems, calls, mode="online_auth", key="outbox-7")
    assert first == second and first["outcome"] == "ok"
    assert len(ledger(systems)) == 2


def test_an_unknown_payment_mode_is_refused(systems: ReferenceSystems, calls: Calls) -> None:
    with pytest.raises(TaskRefused, match="unknown payment mode 'cheque'"):
        authorize(systems, calls, mode="cheque")
    assert ledger(systems) == []
