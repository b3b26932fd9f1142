"""The day's Yes!Cart orders: payment modes, delivery groups, faults, cancellations, returns."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from engine.demo.catalog import PRICES, by_kind
from engine.demo.plan import Mix, arrival_times
from engine.demo.settings import DAY_END

__all__ = ["promoted_order", "yescart_orders"]

MODES = {
    "online_auth": 0.40,
    "online_capture": 0.20,
    "offline_on_delivery": 0.12,
    "offline_prepaid": 0.10,
    "offline_auto_capture": 0.08,
    "external_form": 0.10,
}
GROUPS = {"D1": 0.62, "D2": 0.10, "D3": 0.13, "D4": 0.15}
SHIPPING = Decimal("4.99")
MONDAY = DAY_END.replace(hour=9)


def _lines(mix: Mix, group: str, bulk: bool) -> list[dict[str, Any]]:
    if group == "D4":
        pool, qty = by_kind("electronic"), (1, 1)
    elif group == "D2":
        pool, qty = by_kind("preorder"), (1, 2)
    elif group == "D3":
        pool, qty = by_kind("backorder"), (1, 2)
    else:  # a business customer (SHOP20) buys in bulk
        pool, qty = by_kind("standard"), ((3, 9) if bulk else (1, 3))
    items = mix.rng.sample(pool, k=min(len(pool), mix.rng.randint(1, 2)))
    if group == "D1" and mix.chance(0.06):  # a scarce item: stock may run out at checkout
        items = [mix.rng.choice(by_kind("short"))]
    return [
        {"sku": i.sku, "qty": mix.rng.randint(*qty), "warehouse": i.warehouse or "MAIN"}
        for i in items
    ]


def _price(lines: list[dict[str, Any]]) -> Decimal:
    return sum((PRICES[x["sku"]] * x["qty"] for x in lines), Decimal("0"))


def _deliveries(mix: Mix, number: str, bulk: bool) -> list[dict[str, Any]]:
    count = 1 + (mix.chance(0.35)) + (mix.chance(0.12))
    groups = ["D1" if mix.chance(0.8) else mix.pick(GROUPS)]
    groups += [mix.pick(GROUPS) for _ in range(count - 1)]
    out = []
    for n, group in enumerate(groups, 1):
        lines = _lines(mix, group, bulk)
        amount = _price(lines) + (Decimal("0") if group == "D4" else SHIPPING)
        out.append(
            {"number": f"{number}-{n}", "group": group, "amount": str(amount), "lines": lines}
        )
    return out


def yescart_orders(mix: Mix, count: int) -> None:
    for n, at in enumerate(arrival_times(mix, count), 1):
        number = f"YC{100000 + n}"
        shop = "SHOP20" if mix.chance(0.2) else "SHOP10"
        mode = mix.pick(MODES)
        deliveries = _deliveries(mix, number, bulk=shop == "SHOP20")
        total = sum(Decimal(d["amount"]) for d in deliveries)
        context: dict[str, Any] = {
            "order_no": number,
            "shop_code": shop,
            "customer_email": f"customer{n}@example.com",
            "shop_admin_email": f"orders@{shop.lower()}.example",
            "payment_mode": mode,
            "per_shipment": mix.chance(0.7),
            "total": str(total),
            "deliveries": deliveries,
            "export_job_enabled": True,
        }
        offline = mode.startswith("offline")
        if shop == "SHOP20" and offline and mix.chance(0.3):
            context["b2b_require_approve"] = True
        if mix.chance(0.01):
            context["block_checkout"] = True  # the customer may not place orders
        faults = _faults(mix, mode, context)
        mix.add(at, "yc.checkout", number, context=context, faults=faults)
        _follow_ups(mix, at, number, mode, faults, deliveries)
    _quotes(mix, count // 30)  # (a small day has none)


def promoted_order(quote_no: str) -> str:
    """The number of the order a quote becomes when it is accepted (YQ1001 -> YCQ1001)."""
    return "YCQ" + quote_no[2:]


def _quotes(mix: Mix, count: int) -> None:
    """B2B requests for quote (seeds/002 RFQ) from the business shop: the quotes desk reviews
    them and offers a discount or declines; customers accept most offers (the quote becomes
    a real order), decline some and let the rest run towards expiry."""
    if count <= 0:
        return
    for n, at in enumerate(arrival_times(mix, count), 1):
        number = f"YQ{1000 + n}"
        deliveries = _deliveries(mix, promoted_order(number), bulk=True)
        context: dict[str, Any] = {
            "quote_no": number,
            "shop_code": "SHOP20",
            "customer_email": f"buyer{n}@b2b.example",
            "shop_admin_email": "orders@shop20.example",
            "payment_mode": mix.pick({"online_auth": 0.6, "offline_prepaid": 0.4}),
            "total": str(sum(Decimal(d["amount"]) for d in deliveries)),
            "deliveries": deliveries,
            "customer_reference": f"PO-{7000 + n}",
        }
        mix.add(at, "yc.quote", number, context=context)


def _faults(mix: Mix, mode: str, context: dict[str, Any]) -> list[str]:
    if mode == "online_auth":
        fault = mix.pick({"": 0.90, "AUTH_FAIL": 0.04, "PROCESSING": 0.03, "CAPTURE_FAIL": 0.03})
        return [fault] if fault else []
    if mode == "online_capture":
        deliveries = context["deliveries"]
        if context["per_shipment"] and len(deliveries) > 1 and mix.chance(0.1):
            return [f"AUTH_CAPTURE_FAIL_SEQNO_{deliveries[-1]['amount']}"]
        if mix.chance(0.08):
            return ["UNSETTLED"]
    return []


def _follow_ups(
    mix: Mix, at: datetime, number: str, mode: str, faults: list[str], deliveries: list[Any]
) -> None:
    if "PROCESSING" in faults:  # the gateway's callback settles the payment later
        mix.add(at + mix.minutes(30, 120), "yc.pg_callback", number, fail=mix.chance(0.25))
    if any(f.startswith("AUTH_CAPTURE_FAIL") for f in faults):  # a partial payment: cancel it
        mix.add(at + mix.minutes(60, 180), "yc.cancel_request", number, refund_fails=False)
    if any(d["lines"] and d["lines"][0]["sku"].startswith("SHORT") for d in deliveries):
        mix.add(at + timedelta(hours=3), "yc.retry_payment", number)
    if mix.chance(0.07):  # the customer calls to cancel
        refund_fails = mode in ("online_capture", "online_auth") and mix.chance(0.4)
        mix.add(at + mix.minutes(40, 300), "yc.cancel_request", number, refund_fails=refund_fails)
    if mix.chance(0.05):  # and some return what they got
        mix.add(
            MONDAY + mix.minutes(0, 300), "yc.return_request", number, refund_fails=mix.chance(0.3)
        )
    if mode == "online_capture" and mix.chance(0.02):  # a refund made in the gateway's console
        mix.add(at + mix.minutes(120, 240), "yc.external_refund", number, amount="10.00")
