"""Notifications after the commit; a failing transport is reported, the step stays."""

from __future__ import annotations

import pytest

from engine import EffectFailed, Engine, ManualClock, MemoryStore, MemoryTransport, Message

from .conftest import ORDER


class Flaky:
    def __init__(self) -> None:
        self.fail = True
        self.sent: list[tuple[Message, str]] = []

    def send(self, message: Message, *, idempotency_key: str) -> None:
        if self.fail:
            raise ConnectionError("smtp is down")
        self.sent.append((message, idempotency_key))


def test_notifications_are_rendered_and_sent(engine: Engine, outbox: MemoryTransport) -> None:
    inst = engine.start("test.order", ORDER, key="A-1")
    engine.send(inst.id, "pay")
    (message,) = outbox.sent
    assert message.channel == "email" and message.recipients == ("ann@example.com",)
    assert message.subject == "Order A-1 paid" and message.body == "We received 10.00."
    assert message.template == "paid" and message.instance_id == inst.id
    assert outbox.keys == [f"{inst.id}:2:1"]  # instance id : step seq : effect index


def test_a_failing_transport_is_raised_after_the_commit(charts: dict, clock: ManualClock) -> None:
    flaky = Flaky()
    store = MemoryStore()
    engine = Engine(store, clock, transports={"email": flaky}, charts=[charts["order"]])
    inst = engine.start("test.order", ORDER)
    with pytest.raises(EffectFailed) as caught:
        engine.send(inst.id, "pay")
    assert caught.value.instance.leaf_states == ("paid",)  # the step is committed
    assert "smtp is down" in str(caught.value)
    assert engine.get(inst.id).leaf_states == ("paid",)
    (pending,) = store.pending_outbox()
    assert pending.attempts == 1 and pending.error and "smtp is down" in pending.error
    flaky.fail = False
    assert engine.retry_effects() == 1
    assert store.pending_outbox() == ()
    assert [key for _, key in flaky.sent] == [pending.id]
