"""The CRM: opportunities and quotes moving on with time, the outage switch, people's work."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from engine import ManualClock
from engine.reference.app import ReferenceSystems
from engine.reference.crm import repair_fee
from engine.reference.db import TaskRefused
from tests.reference.conftest import Calls


def call(systems: ReferenceSystems, calls: Calls, task: str, **input: Any) -> Any:
    return systems.crm.tasks()[task](input, idempotency_key=calls.key(), instance=calls.instance)


def status(systems: ReferenceSystems, calls: Calls, order_id: str) -> dict[str, Any]:
    return dict(call(systems, calls, "crm_quote_status", order_id=order_id))


@pytest.mark.parametrize(
    ("order_type", "first", "steps"),
    [
        ("new_product", "order_accepted", [(timedelta(minutes=30), "fulfilment")]),
        ("priced_repair", "quote_hold", [(timedelta(hours=1), "accepted")]),
        (
            "eval_repair",
            "evaluation_pending",
            [(timedelta(hours=2), "presented"), (timedelta(hours=1), "repriced")],
        ),
    ],
)
def test_quotes_move_on_with_time(
    systems: ReferenceSystems,
    calls: Calls,
    clock: ManualClock,
    order_type: str,
    first: str,
    steps: list[Any],
) -> None:
    sent = call(
        systems,
        calls,
        "crm_send_order",
        order_id="300",
        order_type=order_type,
        customer_email="b@x",
    )
    assert sent == {"salesforce_order_no": "SF-300", "quote_status": first}
    assert status(systems, calls, "300")["quote_status"] == first
    for wait, then in steps:
        clock.advance(wait)
        assert status(systems, calls, "300")["quote_status"] == then
    answer = status(systems, calls, "300")
    if order_type == "eval_repair":  # the fee agreed: the new priced order and its price
        assert answer["new_order_id"] == "300-R"
        assert answer["price"] == repair_fee("300") and Decimal("95") <= answer["price"] < 895
    else:
        assert answer["new_order_id"] is None and answer["price"] is None


def test_an_outage_fails_every_call_until_it_ends(systems: ReferenceSystems, calls: Calls) -> None:
    systems.crm.set_outage("maintenance window")
    with pytest.raises(TaskRefused, match="Salesforce is not answering: maintenance window"):
        call(
            systems,
            calls,
            "crm_send_order",
            order_id="301",
            order_type="new_product",
            customer_email="b@x",
        )
    systems.crm.set_outage(None)
    assert systems.crm.outage() is None
    assert call(
        systems,
        calls,
        "crm_send_order",
        order_id="301",
        order_type="new_product",
        customer_email="b@x",
    )


def test_csr_work_is_queued_and_answered_later(systems: ReferenceSystems, calls: Calls) -> None:
    assert call(systems, calls, "csr_manual_entry", order_id="302") is None
    assert call(systems, calls, "reauthorize_card", order_id="303") is None
    [entry] = systems.crm.open_tasks("manual_entry")
    assert (entry.order_id, entry.instance_id) == ("302", "i-test")
    assert systems.crm.enter_manually(entry, "new_product") == "SF-302"
    # the integration later finds the order the CSR entered
    again = call(
        systems,
        calls,
        "crm_send_order",
        order_id="302",
        order_type="new_product",
        customer_email="b@x",
    )
    assert again["salesforce_order_no"] == "SF-302"
    [reauth] = systems.crm.open_tasks()
    systems.crm.reauthorized(reauth)
    assert systems.crm.open_tasks() == []


def test_marking_paid(systems: ReferenceSystems, calls: Calls) -> None:
    with pytest.raises(TaskRefused, match="no order for 304"):
        call(systems, calls, "mark_salesforce_paid", order_id="304")
    call(
        systems,
        calls,
        "crm_send_order",
        order_id="304",
        order_type="new_product",
        customer_email="b@x",
    )
    call(systems, calls, "mark_salesforce_paid", order_id="304")
    assert systems.crm.opportunities() == {"order_accepted": 1}
