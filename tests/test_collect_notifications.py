"""Click and collect notifications (seed 003): the workflow's kind, the templates chosen as
data, each store's own e-mail sender (its SMTP account), a missing address recorded on the
document instead of a message to nobody."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine import Engine, MemoryStore, MemoryTransport, load_chart

COLLECT = Path(__file__).resolve().parents[1] / "definitions" / "collect"
BASE = {
    "document_no": "C-1",
    "source_document_no": "S-1",
    "reference_no": "SO-1",
    "from_store_code": "STORE1",
    "to_store_code": "STORE2",
    "customer_name": "Ann",
    "customer_email": "ann@example.com",
    "customer_phone": "+4511",
    "send_notification_from_store": True,
    "notify_customer": True,
}


def _engine() -> tuple[Engine, MemoryTransport]:
    chart = load_chart(COLLECT / "collect_in_store.yaml")
    origin = load_chart(COLLECT / "send_to_store.yaml")
    answers: dict[str, Any] = {"map_customer": {"customer_no": "CU-1", "match": "matched"}}
    tasks = {
        name: (lambda data, _name=name, **_: answers.get(_name, {}))
        for c in (chart, origin)
        for name in c.tasks
    }
    mail = MemoryTransport()
    engine = Engine(
        store=MemoryStore(),
        charts=[chart, origin],
        tasks=tasks,
        transports={"email": mail, "sms": mail},
    )
    return engine, mail


@pytest.mark.parametrize(
    ("settings", "sent"),
    [
        ({"notification_kind": "none"}, []),
        (
            {"notification_kind": "mail", "mail_sender": "collect@store2.example"},
            [("email", "customer_pending", ("ann@example.com",), "collect@store2.example"),
             ("email", "customer_confirmed", ("ann@example.com",), "collect@store2.example")],
        ),
        (
            {"notification_kind": "mail"},  # no SMTP account of its own: the server's sender
            [("email", "customer_pending", ("ann@example.com",), None),
             ("email", "customer_confirmed", ("ann@example.com",), None)],
        ),
        (
            {"notification_kind": "sms", "mail_sender": "collect@store2.example"},
            [("sms", "sms_customer_pending", ("+4511",), None),
             ("sms", "sms_customer_confirmed", ("+4511",), None)],
        ),
        (
            {"notification_kind": "mail",
             "mail_templates": {"customer_pending": None, "customer_confirmed": "customer_confirmed_brief"}},
            [("email", "customer_confirmed_brief", ("ann@example.com",), None)],
        ),
    ],
)  # fmt: skip
def test_kind_templates_and_sender(settings: dict[str, Any], sent: list[Any]) -> None:
    engine, mail = _engine()
    doc = engine.start("collect.collect_in_store", {**BASE, **settings}, key="C-1")
    engine.send(doc.id, "confirm", roles=["store_staff"])
    assert [(m.channel, m.template, m.recipients, m.sender) for m in mail.sent] == sent
    assert engine.get(doc.id).context["notification_error"] is None


def test_a_missing_address_is_recorded_and_nothing_is_sent() -> None:
    engine, mail = _engine()
    context = {**BASE, "notification_kind": "sms", "customer_phone": ""}
    doc = engine.start("collect.collect_in_store", context, key="C-1")
    engine.send(doc.id, "confirm", roles=["store_staff"])
    after = engine.get(doc.id)
    assert mail.sent == []
    assert set(after.leaf_states) == {
        "collect.delivery.ready",
        "collect.processing.processing_confirmed",
    }  # the confirmation stands
    why = "SMS Notification (Confirmed) not sent: Customer Ann has no phone number"
    assert after.context["notification_error"] == why
    assert [h.note for h in engine.history(doc.id) if h.kind == "log"][-1] == why
