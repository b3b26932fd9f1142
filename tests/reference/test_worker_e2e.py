"""Each shipped system end to end through ``statewise worker --app engine.reference.app:make``,
on a SQLite file and on PostgreSQL: the worker performs every task against the reference
systems, and their tables show the real side effects (ledger, stock, exports, postings)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from engine.reference.crm import repair_fee
from engine.reference.inventory import notify_waiting
from engine.service.ops import send_deferred
from tests.reference.simulation import Simulation

ADMIN = {"SHOPADMIN"}


@pytest.fixture
def sim(any_url: str, tmp_path: Path) -> Iterator[Simulation]:
    made = Simulation(any_url, tmp_path)
    yield made
    made.stop()


def _order(
    number: str, mode: str, deliveries: list[dict[str, object]], total: str
) -> dict[str, object]:
    return {
        "order_no": number,
        "shop_code": "SHOP10",
        "customer_email": "ann@example.com",
        "shop_admin_email": "orders@shop.example",
        "payment_mode": mode,
        "per_shipment": True,
        "total": total,
        "deliveries": deliveries,
        "export_job_enabled": True,
    }


def test_yescart(sim: Simulation) -> None:
    inv = sim.systems.inventory
    inv.add_warehouse("MAIN", "Main")
    inv.add_sku("STD", "Standard")
    inv.add_sku("BACK", "Back-order", availability="backorder")
    inv.stock_in("STD", "MAIN", 10)
    inv.stock_in("BACK", "MAIN")
    sim.systems.exports.register("SHOP10", "FILE", kind="json_file", milestone="INITPAID")
    sim.start_worker()
    deliveries = [
        {
            "number": "500-1",
            "group": "D1",
            "amount": "459.83",
            "lines": [{"sku": "STD", "qty": 2, "warehouse": "MAIN"}],
        },
        {
            "number": "500-2",
            "group": "D3",
            "amount": "229.91",
            "lines": [{"sku": "BACK", "qty": 1, "warehouse": "MAIN"}],
        },
    ]
    sim.start("yescart.order", _order("500", "online_auth", deliveries, "689.74"), "500")
    sim.send("yescart.order", "500", "evt.pending", actor="storefront")
    assert "in_progress" in sim.leaves("yescart.order", "500")
    assert {r.sku: (r.quantity, r.reserved) for r in inv.stock()} == {
        "STD": (10, 2),
        "BACK": (0, 1),
    }
    sim.advance(timedelta(minutes=10))  # the allocation job, the export job
    assert sim.leaves("yescart.delivery", "500-1") == {"inventory_allocated"}
    assert sim.leaves("yescart.delivery", "500-2") == {"wait_inventory"}
    # the back-order's stock arrives: the waiting delivery is allocated at once
    waiting = inv.receive("BACK", "MAIN", 5, "PO-1")
    told = notify_waiting(
        sim.engine, waiting, send=lambda iid, ev: send_deferred(sim.engine, iid, ev)
    )
    sim.settle()
    assert told == ["500-2"] and sim.leaves("yescart.delivery", "500-2") == {"inventory_allocated"}
    for number in ("500-1", "500-2"):
        for event in ("pack.delivery", "mark.ready.for.shipment", "start.shipment", "mark.shipped"):
            sim.send("yescart.delivery", number, event, roles=ADMIN)
    assert "completed" in sim.leaves("yescart.order", "500")
    balance = sim.systems.payments.balance("500")
    assert (balance.authorised, balance.captured, balance.outstanding) == (
        Decimal("689.74"),
        Decimal("689.74"),
        Decimal("0.00"),
    )
    assert {r.sku: (r.quantity, r.reserved) for r in inv.stock()} == {"STD": (8, 0), "BACK": (4, 0)}
    assert inv.reconcile() == []
    assert (sim.folder / "exports" / "SHOP10" / "500-INITPAID.json").is_file()
    assert sim.systems.mailbox.by_template()[("email", "order_new")] == 1

    # a cancellation whose refund fails, then succeeds when retried
    sim.start(
        "yescart.order",
        _order("501", "online_capture", [{**deliveries[0], "number": "501-1"}], "459.83"),
        "501",
    )
    sim.send("yescart.order", "501", "evt.pending")
    sim.systems.payments.inject("501", "REFUND_FAIL")
    sim.send("yescart.order", "501", "cancel.order", roles=ADMIN)
    assert "refund_due" in sim.leaves("yescart.order", "501")
    sim.systems.payments.clear("501")
    sim.send("yescart.order", "501", "cancel.order.refund", roles=ADMIN)
    assert "cancelled" in sim.leaves("yescart.order", "501")
    assert sim.systems.payments.balance("501").paid == Decimal("0.00")
    assert sim.leaves("yescart.delivery", "501-1") == {"void_reserv"}
    assert inv.reconcile() == [] and sim.store.dead_letters() == ()


def test_ustore(sim: Simulation) -> None:
    sim.systems.ustore.fail_next("700-2", "Campaign not found (code 17)")
    sim.systems.ustore.order_list("700-3", records=1200, ready_after=timedelta(minutes=20))
    sim.start_worker()
    common = {
        "order_id": "700",
        "superuser_email": "super@example.com",
        "schedule_automatically": True,
    }
    for item, extra in (("700-1", {}), ("700-2", {}), ("700-3", {"recipient_list_ordered": True})):
        sim.start("ustore.email_item", {**common, "order_product_id": item, **extra}, item)
    assert sim.leaves("ustore.email_item", "700-3") == {"pending_recipient_list"}
    for item in ("700-1", "700-2"):
        sim.send("ustore.email_item", item, "process", roles={"operator"})
    sim.advance(timedelta(minutes=8))
    assert sim.leaves("ustore.email_item", "700-1") == {"sent"}
    assert sim.leaves("ustore.email_item", "700-2") == {"failed"}
    [notice] = [m for m in sim.systems.mailbox.messages() if m.template == "failure_notice"]
    assert "Campaign not found (code 17)" in notice.body and "700-2" in notice.body
    sim.advance(timedelta(minutes=22), step=timedelta(minutes=5))
    assert sim.leaves("ustore.email_item", "700-3") == {"scheduled"}  # the list arrived
    assert sim.systems.ustore.job_counts() == {"done": 1, "failed": 1}


def test_collect(sim: Simulation) -> None:
    sim.start_worker()
    origin = {
        "document_no": "S-900",
        "reference_no": "SO-900",
        "sales_order_no": "SO-900",
        "from_store_code": "WEB",
        "to_store_code": "STORE2",
        "customer_name": "Ann",
        "customer_email": "ann@example.com",
        "store_email": "store2@example.com",
        "notification_kind": "mail",
        "notify_customer": True,
        "notify_store": True,
        "mail_sender": "collect@web.example",
        "order_amount": "120.00",
        "prepayment_percent": "50",
        "archive_on_delivery": False,
        "post_processing_module": "IC_CLEARING",
        "ic_clearing": "by_post_processing",
    }
    sim.start("collect.send_to_store", origin, "S-900")
    sim.advance(timedelta(seconds=10), step=timedelta(seconds=10))  # the scheduled Send Order
    assert sim.leaves("collect.send_to_store", "S-900") == {"waiting_for_store"}
    assert sim.leaves("collect.collect_in_store", "CS-900") == {"processing_pending", "no_delivery"}
    # the import mapped the customer by e-mail (created: the store did not know her)
    mapped = sim.find("collect.collect_in_store", "CS-900").context
    assert mapped["customer_match"] == "created" and mapped["customer_no"].startswith("STORE2-CU")
    sim.send("collect.collect_in_store", "CS-900", "confirm", roles={"store_staff"})
    sim.advance(timedelta(seconds=10), step=timedelta(seconds=10))
    assert sim.find("collect.send_to_store", "S-900").context["processing_status"] == "confirmed"
    sim.send("collect.collect_in_store", "CS-900", "pos.delivered", {"pos_entry_no": "T-1"})
    assert sim.leaves("collect.send_to_store", "S-900") == {"post_processing_done"}
    ic = sim.systems.collect.ic_balance()
    assert ic["sales"] == Decimal("120.00")
    assert ic["ic_receivable"] == ic["ic_payable"] == Decimal("0.00")  # posted, then cleared
    # transferred at the import, sold at the pickup, settled by the post-processing module
    assert [(c, a, n) for c, a, _, n in sim.systems.collect.postings("CS-900")] == [
        ("STORE2", "ic_receivable", Decimal("60.00")),
        ("WEB", "ic_payable", Decimal("60.00")),
        ("STORE2", "sales", Decimal("120.00")),
        ("WEB", "ic_payable", Decimal("-60.00")),
        ("STORE2", "ic_receivable", Decimal("-60.00")),
        ("WEB", "bank", Decimal("-60.00")),
        ("STORE2", "bank", Decimal("60.00")),
    ]
    # the origin notifies: the store on sending, the customer when the poll sees a change
    # (it first sees the order confirmed: the store confirmed before the first poll)
    assert [m.template for m in sim.systems.mailbox.messages()] == [
        "store_pending",
        "customer_confirmed",
    ]


def test_ats(sim: Simulation) -> None:
    sim.start_worker()
    card = {"customer_email": "buyer@example.com", "order_type": "new_product"}
    at = sim.clock.now().isoformat()
    sim.start("ats.order", {**card, "order_id": "420"}, "420")
    sim.send("ats.order", "420", "bc.payment.authorized", {"authorized_at": at})
    assert "in_process" in sim.leaves("ats.order", "420")
    sim.send("ats.order", "420", "complete", roles={"csr"})
    assert sim.leaves("ats.order", "420") == {"completed"}
    # the CRM goes down: the next order sticks in Order Placed and a CSR enters it by hand
    sim.systems.crm.set_outage("maintenance")
    sim.start("ats.order", {**card, "order_id": "421"}, "421")
    sim.send("ats.order", "421", "bc.payment.authorized", {"authorized_at": at})
    sim.advance(timedelta(minutes=30), step=timedelta(minutes=10))
    assert "integration_failed" in sim.leaves("ats.order", "421")
    [task] = sim.systems.crm.open_tasks("manual_entry")
    number = sim.systems.crm.enter_manually(task, "new_product")
    sim.systems.crm.set_outage(None)
    sim.send("ats.order", "421", "done.invoke.csr_manual_entry", {"salesforce_order_no": number})
    assert "in_process" in sim.leaves("ats.order", "421")
    assert sim.systems.crm.opportunities() == {"order_accepted": 2}
    # an EVAL repair: evaluated, the customer agrees to the fee, the zero-dollar order is
    # cancelled and the priced order for the same customer and product starts (seed 004)
    repair = {**card, "order_type": "eval_repair", "customer_id": "C-77", "product_sku": "RP-9"}
    sim.start("ats.order", {**repair, "order_id": "422"}, "422")
    sim.send("ats.order", "422", "bc.payment.authorized", {"authorized_at": at})
    assert "awaiting_evaluation" in sim.leaves("ats.order", "422")
    sim.advance(timedelta(hours=3, minutes=30), step=timedelta(minutes=15))
    old, new = sim.find("ats.order", "422"), sim.find("ats.order", "422-R")
    assert old.leaf_states == ("canceled",) and old.context["replaced_by_order_id"] == "422-R"
    assert new.context["replaces_order_id"] == "422"
    assert {k: new.context[k] for k in ("customer_id", "product_sku", "order_type")} == {
        "customer_id": "C-77",
        "product_sku": "RP-9",
        "order_type": "priced_repair",
    }
    assert new.context["order_total"] == repair_fee("422") > 0
