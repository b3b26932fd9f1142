"""The mailbox transport keeps each message once, by its idempotency key."""

from __future__ import annotations

from engine import Message
from engine.reference.app import ReferenceSystems


def test_one_row_per_key(systems: ReferenceSystems) -> None:
    message = Message("email", ("a@example.com", "b@example.com"), "Hi", "Body", "order_new", "i1")
    systems.mailbox.send(message, idempotency_key="k1")
    systems.mailbox.send(message, idempotency_key="k1")
    systems.mailbox.send(
        Message("sms", ("+45",), None, "Hi", "store_pending", "i2"), idempotency_key="k2"
    )
    assert systems.mailbox.by_template() == {("email", "order_new"): 1, ("sms", "store_pending"): 1}
    [caught] = systems.mailbox.messages("i1")
    assert caught.recipients == ("a@example.com", "b@example.com") and caught.subject == "Hi"
