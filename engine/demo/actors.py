"""What customers, storefronts, gateways and integrations do when their action is due.

Each actor takes the driver and the action; it may answer follow-up actions (delay, kind,
key, data) that the day schedules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from engine.demo.driver import Driver
from engine.demo.plan import Action

__all__ = ["ACTORS", "FollowUp"]

FollowUp = tuple[timedelta, str, str, dict[str, Any]]
Actor = Callable[[Driver, Action], list[FollowUp]]

ORDER = "yescart.order"
CALL_CENTRE = {"CALLCENTERORDERPROCESS"}
CONFIRM = {"CALLCENTERORDERCONFIRM"}


def _leaves(d: Driver, chart: str, key: str) -> set[str]:
    found = d.find(chart, key)
    return set() if found is None else {s.rsplit(".", 1)[-1] for s in found.leaf_states}


def yc_checkout(d: Driver, a: Action) -> list[FollowUp]:
    if a.data["faults"]:
        d.systems.payments.inject(a.key, *a.data["faults"])
    if d.start(ORDER, a.data["context"], a.key) is None:
        return []
    if not d.send(ORDER, a.key, "evt.pending", actor="storefront"):
        # refused: a blocked customer cannot place the order (§4.7); the cart is dropped
        d.send(ORDER, a.key, "order.discarded", actor="storefront")
    return []


def yc_quote(d: Driver, a: Action) -> list[FollowUp]:
    """A business customer asks for a quote on the storefront (seeds/002 RFQ)."""
    d.start("yescart.quote", a.data["context"], a.key)
    return []


def yc_retry_payment(d: Driver, a: Action) -> list[FollowUp]:
    if "none" in _leaves(d, ORDER, a.key):  # the reservation failed: pay again
        d.send(ORDER, a.key, "evt.pending", actor="storefront")
        if "none" in _leaves(d, ORDER, a.key):  # still no stock: the customer gives up
            return [(timedelta(hours=1), "yc.discard", a.key, {})]
    return []


def yc_discard(d: Driver, a: Action) -> list[FollowUp]:
    """The customer checks out again: the unpaid order is discarded (os.none, §1)."""
    if "none" in _leaves(d, ORDER, a.key):
        d.send(ORDER, a.key, "order.discarded", actor="storefront")
    return []


def yc_pg_callback(d: Driver, a: Action) -> list[FollowUp]:
    d.systems.payments.clear(a.key, "PROCESSING")
    if a.data["fail"]:
        d.systems.payments.inject(a.key, "AUTH_FAIL")
    d.send(ORDER, a.key, "evt.payment.processed", actor="payment gateway")
    return []


def yc_cancel_request(d: Driver, a: Action) -> list[FollowUp]:
    return _cancel(d, a, "cancel.order", CALL_CENTRE, "Cancelled at your request.")


def yc_return_request(d: Driver, a: Action) -> list[FollowUp]:
    return _cancel(d, a, "return.order", CONFIRM, "Your return has been received.")


def _cancel(d: Driver, a: Action, event: str, roles: set[str], message: str) -> list[FollowUp]:
    here = _leaves(d, ORDER, a.key)
    if not here or here & {"cancelled", "returned", "discarded", "none"}:
        return []
    if a.data.get("refund_fails"):
        d.systems.payments.inject(a.key, "REFUND_FAIL")
    sent = d.send(
        ORDER,
        a.key,
        event,
        {"client_message": message},
        actor="call-centre",
        roles=roles,
        note="The customer asked by phone.",
    )
    if sent and a.data.get("refund_fails"):  # the gateway recovers two hours later
        return [(timedelta(hours=2), "yc.refund_fixed", a.key, {})]
    return []


def yc_refund_fixed(d: Driver, a: Action) -> list[FollowUp]:
    d.systems.payments.clear(a.key, "REFUND_FAIL")
    return []


def yc_external_refund(d: Driver, a: Action) -> list[FollowUp]:
    found = d.find(ORDER, a.key)
    if found is None or found.done:
        return []
    mode = str(found.context["payment_mode"])
    d.systems.payments.refund_notified(
        a.key, a.data["amount"], payment_mode=mode, key=f"cb-{a.key}"
    )
    d.send(
        ORDER, a.key, "evt.refund.external", {"amount": a.data["amount"]}, actor="payment gateway"
    )
    return []


def us_submit(d: Driver, a: Action) -> list[FollowUp]:
    context = a.data["context"]
    if a.data["fails"]:
        d.systems.ustore.fail_next(a.key, "Campaign document could not be merged (error 17)")
    if context.get("recipient_list_ordered"):
        d.systems.ustore.order_list(a.key, records=2500, ready_after=a.data["list_ready_after"])
    d.start(a.data["chart"], context, a.key)
    return []


def us_clearing(d: Driver, a: Action) -> list[FollowUp]:
    event = "clearing.approved" if a.data["approved"] else "clearing.rejected"
    for k in range(1, 4):
        for chart in ("ustore.email_item", "ustore.print_item"):
            if d.find(chart, f"{a.key}-{k}") is not None:
                d.send(chart, f"{a.key}-{k}", event, actor="MultiSafepay")
    return []


def cc_new(d: Driver, a: Action) -> list[FollowUp]:
    d.start("collect.send_to_store", a.data["context"], a.key)
    return []


def cc_pickup(d: Driver, a: Action) -> list[FollowUp]:
    if "ready" in _leaves(d, "collect.collect_in_store", a.key):
        data = {"pos_entry_no": f"T{a.seq:06d}"}
        d.send("collect.collect_in_store", a.key, "pos.delivered", data, actor="POS")
    return []


def ats_checkout(d: Driver, a: Action) -> list[FollowUp]:
    if d.start("ats.order", a.data["context"], a.key) is None:
        return []
    payment = a.data["payment"]
    if payment == "card":
        data = {"authorized_at": a.data["authorized"].isoformat()}
        d.send("ats.order", a.key, "bc.payment.authorized", data, actor="BigCommerce")
    elif payment == "po":
        data = {"po_number": f"PO-{a.key}"}
        d.send("ats.order", a.key, "bc.checkout.purchase_order", data, actor="BigCommerce")
    else:
        d.send("ats.order", a.key, "bc.payment.failed", actor="BigCommerce")
    return []


def ats_crm(d: Driver, a: Action) -> list[FollowUp]:
    d.systems.crm.set_outage(a.data["outage"])
    return []


def ats_cancel(d: Driver, a: Action) -> list[FollowUp]:
    found = d.find("ats.order", a.key)
    if found is not None and not found.done:
        d.send(
            "ats.order",
            a.key,
            "cancel",
            {"reason": "customer_request"},
            actor="site-admin",
            roles={"site_admin"},
            note="The customer asked to cancel by phone.",
        )
    return []


ACTORS: dict[str, Actor] = {
    "yc.checkout": yc_checkout,
    "yc.quote": yc_quote,
    "yc.retry_payment": yc_retry_payment,
    "yc.discard": yc_discard,
    "yc.pg_callback": yc_pg_callback,
    "yc.cancel_request": yc_cancel_request,
    "yc.return_request": yc_return_request,
    "yc.refund_fixed": yc_refund_fixed,
    "yc.external_refund": yc_external_refund,
    "us.submit": us_submit,
    "us.clearing": us_clearing,
    "cc.new": cc_new,
    "cc.pickup": cc_pickup,
    "ats.checkout": ats_checkout,
    "ats.crm": ats_crm,
    "ats.cancel": ats_cancel,
}
