"""Rendering notifications and handing them to transports."""

from __future__ import annotations

import logging

import pytest

from engine import LogTransport, MemoryTransport, Message, load_text
from engine.notify.dispatcher import Dispatcher, NotificationError
from engine.runtime import InstanceInfo, NotifyRequested

CHART = load_text(
    """
id: test.notify
version: 1
context:
  order_no: string
  email: string
states:
  open:
    on:
      tell:
        target: open
        actions:
          - notify: {template: hello, channel: email, to: [email], data: {who: "'you'"}}
templates:
  hello:
    subject: "Order {{ order_no }}"
    body: "Hello {{ who }}, this is {{ instance.key }}."
""",
    "notify.yaml",
)
INFO = InstanceInfo("i1", "K-9", "test.notify", 1)


def effect(template: str = "hello", **variables: object) -> NotifyRequested:
    base = {"order_no": "42", "email": "a@b.c", "who": "Ann", "event": {}}
    return NotifyRequested(template, "email", ("a@b.c",), {**base, **variables})


def test_render_adds_instance_variables() -> None:
    message = Dispatcher().render(effect(), CHART, INFO)
    assert message == Message(
        "email", ("a@b.c",), "Order 42", "Hello Ann, this is K-9.", "hello", "i1"
    )
    assert message.text == "Order 42\nHello Ann, this is K-9."


def test_dispatch_sends_through_the_channel_transport() -> None:
    transport = MemoryTransport()
    Dispatcher({"email": transport}).dispatch(effect(), CHART, INFO, idempotency_key="i1:2:0")
    Dispatcher({"email": transport}).dispatch(effect(), CHART, INFO, idempotency_key="i1:2:0")
    assert [m.subject for m in transport.sent] == ["Order 42"]  # the repeat is ignored
    assert transport.keys == ["i1:2:0"]
    transport.clear()
    assert transport.sent == []


@pytest.mark.parametrize(
    ("transports", "eff", "message"),
    [
        ({}, effect(), "no transport for channel 'email'"),
        ({"email": MemoryTransport()}, effect("nope"), "has no template 'nope'"),
        (
            {"email": MemoryTransport()},
            NotifyRequested("hello", "email", (), {"order_no": 1}),
            "failed to render",
        ),
    ],
)
def test_problems_are_notification_errors(
    transports: dict, eff: NotifyRequested, message: str
) -> None:
    with pytest.raises(NotificationError, match=message):
        Dispatcher(transports).dispatch(eff, CHART, INFO, idempotency_key="k")


def test_a_transport_failure_is_wrapped() -> None:
    class Broken:
        def send(self, message: Message, *, idempotency_key: str) -> None:
            raise OSError("connection refused")

    with pytest.raises(NotificationError, match="connection refused") as caught:
        Dispatcher({"email": Broken()}).dispatch(effect(), CHART, INFO, idempotency_key="k")
    assert isinstance(caught.value.__cause__, OSError)


def test_the_sandbox_blocks_python_internals() -> None:
    chart = load_text(
        """
id: test.evil
version: 1
context: {name: string}
states:
  s:
    on:
      go:
        target: s
        actions: [{notify: {template: t, channel: email, to: ["'x@y.z'"]}}]
templates:
  t: {body: "{{ name.__class__.__mro__ }}"}
""",
        "evil.yaml",
    )
    with pytest.raises(NotificationError):
        Dispatcher().render(NotifyRequested("t", "email", (), {"name": "x"}), chart, INFO)


def test_log_transport_logs(caplog: pytest.LogCaptureFixture) -> None:
    message = Dispatcher().render(effect(), CHART, INFO)
    with caplog.at_level(logging.INFO, logger="statewise.notify"):
        LogTransport().send(message, idempotency_key="i1:2:0")
    (rec,) = caplog.records
    assert "a@b.c" in rec.getMessage() and "Order 42" in rec.getMessage()


BROKEN = load_text(
    """
id: test.broken
version: 1
context:
  email: string
states:
  open:
    on:
      tell:
        target: open
        actions:
          - notify: {template: divide, channel: email, to: [email]}
          - notify: {template: huge, channel: email, to: [email]}
          - notify: {template: fine, channel: email, to: [email]}
templates:
  divide: {subject: a, body: "{{ 1 // 0 }}"}
  huge: {subject: b, body: "{{ range(10**9)|list }}"}
  fine: {subject: c, body: "still sent"}
""",
    "broken.yaml",
)


def test_render_errors_are_effect_failures_and_the_other_messages_still_go() -> None:
    from engine import EffectFailed, Engine

    mail = MemoryTransport()
    engine = Engine(transports={"email": mail}, charts=[BROKEN])
    order = engine.start(BROKEN, {"email": "a@b.c"})
    with pytest.raises(EffectFailed) as failed:
        engine.send(order.id, "tell")
    errors = [str(e) for e in failed.value.errors]
    assert len(errors) == 2
    assert "template 'divide'" in errors[0] and "ZeroDivisionError" in errors[0]
    assert "template 'huge'" in errors[1] and "too large" in errors[1]
    assert [m.body for m in mail.sent] == ["still sent"]
    assert all(isinstance(e, NotificationError) for e in failed.value.errors)


@pytest.mark.parametrize(
    "body", ["{% include 'other.txt' %}", "{% import 'm' as m %}", "{% extends 'base' %}"]
)
def test_templates_cannot_pull_in_other_templates(body: str) -> None:
    from engine import DefinitionError

    text = f"""
id: t
version: 1
states:
  a:
    entry: [{{notify: {{template: m, channel: email, to: ["'x@y.z'"]}}}}]
    on: {{go: b}}
  b: {{type: final}}
events: {{go: {{}}}}
templates:
  m: {{subject: s, body: "{body}"}}
"""
    with pytest.raises(DefinitionError) as err:
        load_text(text, "t.yaml")
    assert [d.code for d in err.value.diagnostics] == ["E504"]
