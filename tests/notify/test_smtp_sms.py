"""E-mail to a real SMTP server on loopback (aiosmtpd), SMS to a real HTTP gateway on loopback."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from engine import Engine, MemoryStore
from engine.loader import load_text
from engine.notify.messages import Message
from engine.notify.sms import HttpSmsTransport
from engine.notify.smtp import SmtpTransport, TransportError


class _Inbox:
    def __init__(self) -> None:
        self.received: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[_Inbox, int]]:
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


CHART = """
id: t.mail
version: 1
context:
  order_no: string
  email: string
  phone: {type: string, optional: true}
events:
  ship: {source: integration}
templates:
  shipped:
    subject: "Order {{ order_no }} shipped"
    body: "Dear customer, order {{ order_no }} ({{ instance.key }}) is on its way."
states:
  open:
    on:
      ship:
        target: shipped
        actions:
          - notify: {template: shipped, channel: email, to: [email]}
          - notify: {template: shipped, channel: sms, to: [phone]}
  shipped: {type: final}
"""


def test_engine_mails_through_a_real_smtp_server(smtp_server: tuple[_Inbox, int]) -> None:
    inbox, port = smtp_server
    chart = load_text(CHART, "mail.yaml")
    smtp = SmtpTransport("127.0.0.1", port, sender="shop@example.com")
    engine = Engine(store=MemoryStore(), transports={"email": smtp, "sms": smtp}, charts=[chart])
    order = engine.start(chart, {"order_no": "100042", "email": "ann@example.com"}, key="100042")
    engine.send(order.id, "ship")
    [envelope] = inbox.received  # phone is null: no SMS recipient, nothing sent
    assert envelope.mail_from == "shop@example.com"
    assert envelope.rcpt_tos == ["ann@example.com"]
    mail = message_from_bytes(envelope.content)
    assert mail["Subject"] == "Order 100042 shipped"
    assert "order 100042 (100042) is on its way" in mail.get_payload()
    assert mail["X-Statewise-Template"] == "shipped"
    assert mail["Message-ID"].endswith("@statewise.local>")


def test_same_idempotency_key_gives_the_same_message_id(smtp_server: tuple[_Inbox, int]) -> None:
    inbox, port = smtp_server
    smtp = SmtpTransport("127.0.0.1", port, sender="shop@example.com")
    message = Message("email", ("a@example.com",), "Hi", "Body", "t", "i-1")
    smtp.send(message, idempotency_key="i-1:2:0")
    smtp.send(message, idempotency_key="i-1:2:0")  # a retry after a crash
    smtp.send(message, idempotency_key="i-1:3:0")
    ids = [message_from_bytes(e.content)["Message-ID"] for e in inbox.received]
    assert ids[0] == ids[1] != ids[2]


def test_unreachable_server_is_a_transport_error() -> None:
    smtp = SmtpTransport("127.0.0.1", 1, sender="shop@example.com", timeout=2)
    with pytest.raises(TransportError, match=r"127\.0\.0\.1:1 failed"):
        smtp.send(
            Message("email", ("a@example.com",), "Hi", "Body", "t", "i-1"), idempotency_key="k"
        )


class _Gateway(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, Any], dict[str, str]]] = []
    status = 202

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Gateway.received.append((json.loads(body), dict(self.headers)))
        self.send_response(_Gateway.status)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[str]:
    _Gateway.received, _Gateway.status = [], 202
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sms"
    finally:
        server.shutdown()
        server.server_close()


def test_sms_goes_to_the_gateway_once_per_recipient(gateway: str) -> None:
    sms = HttpSmsTransport(gateway, sender="SHOP", token="secret")
    sms.send(
        Message("sms", ("+4511111111", "+4522222222"), None, "Ready", "t", "i"), idempotency_key="k"
    )
    assert [(p["to"], p["text"], p["idempotency_key"]) for p, _ in _Gateway.received] == [
        ("+4511111111", "Ready", "k/0"),
        ("+4522222222", "Ready", "k/1"),
    ]
    assert _Gateway.received[0][1]["Authorization"] == "Bearer secret"


def test_sms_gateway_refusal_is_a_transport_error(gateway: str) -> None:
    _Gateway.status = 503
    with pytest.raises(TransportError, match="503"):
        HttpSmsTransport(gateway).send(
            Message("sms", ("+45",), None, "x", "t", "i"), idempotency_key="k"
        )


def test_engine_sends_sms_through_the_gateway(gateway: str) -> None:
    chart = load_text(CHART, "mail.yaml")
    engine = Engine(
        store=MemoryStore(),
        transports={"email": HttpSmsTransport(gateway), "sms": HttpSmsTransport(gateway)},
        charts=[chart],
    )
    order = engine.start(
        chart, {"order_no": "7", "email": "ann@example.com", "phone": "+4533333333"}, key="7"
    )
    engine.send(order.id, "ship")
    assert [p["to"] for p, _ in _Gateway.received] == ["ann@example.com", "+4533333333"]


@pytest.mark.parametrize(
    "recipient",
    [
        "victim@example.com, attacker@evil.example",
        "victim@example.com; attacker@evil.example",
        "Victim <victim@example.com>",
        "victim@example.com\r\nBcc: attacker@evil.example",
        "victim@example.com attacker@evil.example",
        "not-an-address",
        "",
    ],
)
def test_one_recipient_field_is_one_address(
    smtp_server: tuple[_Inbox, int], recipient: str
) -> None:
    from engine.notify.smtp import InvalidRecipient

    inbox, port = smtp_server
    smtp = SmtpTransport("127.0.0.1", port, sender="shop@example.com")
    message = Message("email", (recipient,), "Hi", "Body", "t", "i1")
    with pytest.raises(InvalidRecipient):
        smtp.send(message, idempotency_key="i1:1:0")
    assert inbox.received == []


def test_the_envelope_is_exactly_the_recipients_given(smtp_server: tuple[_Inbox, int]) -> None:
    inbox, port = smtp_server
    smtp = SmtpTransport("127.0.0.1", port, sender="shop@example.com")
    to = ("ann@example.com", "o'brien+orders@mail.example.co.uk")
    smtp.send(Message("email", to, "Hi", "Body", "t", "i1"), idempotency_key="i1:1:0")
    [envelope] = inbox.received
    assert envelope.rcpt_tos == list(to)
    mail = message_from_bytes(envelope.content)
    assert mail["To"] == "ann@example.com, o'brien+orders@mail.example.co.uk"


@pytest.mark.parametrize(
    "number", ["+45 12 34 56 78, +45 87 65 43 21", "+4511;+4522", "+4511\n+4522", " "]
)
def test_one_sms_recipient_is_one_number(number: str) -> None:
    from engine.notify.smtp import InvalidRecipient

    sms = HttpSmsTransport("http://127.0.0.1:9/unused")
    with pytest.raises(InvalidRecipient):
        sms.send(
            Message("sms", ("+45 11 22 33 44", number), None, "x", "t", "i1"), idempotency_key="k"
        )
