"""The day's uStore items, collect orders and ATS orders, with their faults and follow-ups."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine.demo.plan import Mix, arrival_times
from engine.demo.settings import DAY_START

__all__ = ["ats_orders", "collect_orders", "ustore_orders"]


def ustore_orders(mix: Mix, count: int) -> None:
    for n, at in enumerate(arrival_times(mix, count), 1):
        order_id = f"US{200000 + n}"
        friendly = mix.chance(0.5)
        delayed = mix.chance(0.08)
        for k in range(1, 1 + mix.rng.choice((1, 1, 2, 3))):
            item = f"{order_id}-{k}"
            email = mix.chance(0.7)
            context: dict[str, Any] = {
                "order_id": order_id,
                "order_product_id": item,
                "delayed_payment": delayed,
                "recipient_list_ordered": mix.chance(0.1),
            }
            if email:
                context |= {
                    "superuser_email": "superuser@ustore.example",
                    "schedule_automatically": mix.chance(0.5),
                    "friendly_url_enabled": friendly,
                    "order_product_details_url": f"https://ustore.example/o/{order_id}/{item}"
                    if friendly
                    else None,
                }
            else:
                context["has_prepress_workflow"] = mix.chance(0.3)
            if mix.chance(0.01):
                context["recipient_list_present"] = False  # deleted under a retention rule
            mix.add(
                at,
                "us.submit",
                item,
                chart="ustore.email_item" if email else "ustore.print_item",
                context=context,
                fails=mix.chance(0.07),
                list_ready_after=mix.minutes(30, 150),
            )
        if delayed:  # the clearing service answers later
            mix.add(at + mix.minutes(45, 120), "us.clearing", order_id, approved=mix.chance(0.85))


def collect_orders(mix: Mix, count: int) -> None:
    for n, at in enumerate(arrival_times(mix, count), 1):
        document = f"S-{300000 + n}"
        store = "STORE2" if mix.chance(0.6) else "STORE3"
        from_store = mix.pick({"WEB": 0.7, "STORE1": 0.3})
        by_store = mix.chance(0.5)
        context: dict[str, Any] = {
            "document_no": document,
            "reference_no": f"SO-{300000 + n}",
            "sales_order_no": f"SO-{300000 + n}",
            "from_store_code": from_store,
            "to_store_code": store,
            "customer_name": f"Customer {n}",
            "customer_email": f"collect{n % 150}@example.com",
            "customer_phone": f"+45{20000000 + n % 150}",
            "store_email": f"{store.lower()}@stores.example",
            "store_phone": "+4570000000",
            "send_notification_from_store": by_store,
            # the workflow's kind: most stores mail, some text (SMS Setup); each store sends
            # its e-mails from its own SMTP account
            "notification_kind": "sms" if mix.chance(0.3) else "mail",
            "notify_customer": True,
            "notify_store": True,
            "mail_sender": f"collect@{store.lower()}.stores.example",
            "customer_mapping": mix.pick(
                {"email": 0.45, "email_or_phone": 0.3, "phone": 0.1, "blank": 0.05, "fixed": 0.1}
            ),
            # the walk-in customer of a fixed mapping; only STORE2 has set it up (demo/run.py),
            # so STORE3's staff name the customer by hand
            "fixed_customer_no": f"{store}-WALKIN",
            # the web shop is its own company: IC postings, settled at the pickup
            "ic_clearing": "at_shipment" if from_store == "WEB" else "none",
            "order_amount": f"{mix.rng.randint(20, 400)}.00",
            "prepayment_percent": mix.rng.choice(("0", "0", "50", "100")),
            "processing_expiry": "4h",
            "delivery_expiry_days": 1 if store == "STORE2" else 2,
            "poll_interval": "6h",  # the callback tells the origin; a slow poll is the safety net
        }
        if mix.chance(0.3):  # IC clearing by the post-processing module, archived by hand
            context |= {"archive_on_delivery": False, "post_processing_module": "IC_CLEARING"}
            if from_store == "WEB":
                context["ic_clearing"] = "by_post_processing"
        mix.add(at, "cc.new", document, context=context)
        if mix.chance(0.6):  # the customer comes to pick it up
            mix.add(at + mix.minutes(120, 60 * 30), "cc.pickup", f"C{document}")


#: the repair products ATS orders are for (an EVAL's priced order keeps its product)
REPAIRS = ("RP-SPINDLE", "RP-SERVO", "RP-GEARBOX")


def ats_orders(mix: Mix, count: int) -> None:
    outage = DAY_START + timedelta(hours=4)
    mix.add(outage, "ats.crm", "", outage="Salesforce maintenance")
    mix.add(outage + timedelta(minutes=45), "ats.crm", "", outage=None)
    for n, at in enumerate(arrival_times(mix, count), 1):
        order_id = f"ATS{400000 + n}"
        order_type = mix.pick({"new_product": 0.6, "priced_repair": 0.25, "eval_repair": 0.15})
        payment = mix.pick({"card": 0.75, "po": 0.2, "failed": 0.05})
        context = {
            "order_id": order_id,
            "customer_email": f"buyer{n}@ats.example",
            "customer_id": f"ATSC{n:05d}",
            "product_sku": "NP-PLC-S7" if order_type == "new_product" else REPAIRS[n % 3],
            "order_type": order_type,
            "account_has_terms": payment == "po",
            "crm_poll_interval": "20m",
        }
        authorized = at
        if payment == "card" and mix.chance(0.03):  # authorised 29 days ago, in another cart
            authorized = at - timedelta(days=28, hours=22)
        mix.add(
            at, "ats.checkout", order_id, context=context, payment=payment, authorized=authorized
        )
        if mix.chance(0.02):
            mix.add(at + mix.minutes(60, 240), "ats.cancel", order_id)
