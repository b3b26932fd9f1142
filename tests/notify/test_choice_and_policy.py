"""A manual transition's notes and actor in actions and templates; the template chosen as
data; the sender per scope; the notification policy (suppress, redirect) as a data file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine import Engine, MemoryStore, load_chart
from engine.errors import DefinitionError
from engine.notify.messages import Message
from engine.notify.smtp import SmtpTransport
from engine.notify.transports import MemoryTransport
from engine.service.effects import EffectFailed

CHART = """
id: t.shop_order
version: 1
context:
  shop_code: string
  customer_email: string
  reason: {type: string, optional: true}
  who: {type: string, optional: true}
  shop:
    type: record
    fields:
      sender: {type: string, optional: true}
      cancel_template: {type: string, optional: true}
{policy}
initial: open
states:
  open:
    entry:
      - notify: {template: order_new, to: [customer_email], sender: shop.sender}
    on:
      cancel:
        target: cancelled
        manual: {label: Cancel}
        actions:
          - assign: {reason: _event.client_note, who: _event.actor}
          - notify: {template_from: shop.cancel_template, to: [customer_email]}
  cancelled: {type: final}
templates:
  order_new: {subject: "New", body: "Thanks"}
  order_cancelled:
    subject: "Cancelled"
    body: "Reason: {{ _event.client_note }}{% if _event.note %} [{{ _event.note }}]{% endif %}"
  order_cancelled_short: {subject: "Cancelled", body: "Cancelled."}
"""

POLICY = """
scopes:
  SHOP10:
    order_new: {action: suppress, reason: the ERP confirms orders}
    order_cancelled: {action: redirect, to: [orders@shop10.example], reason: mailing list}
  "*":
    order_cancelled_short: suppress
"""

USES_POLICY = "notification_policy: {file: policy.yaml, scope: shop_code}"


def _folder(tmp_path: Path, policy: str | None = POLICY, chart: str = CHART) -> Path:
    (tmp_path / "order.yaml").write_text(
        chart.replace("{policy}", USES_POLICY if policy is not None else "")
    )
    if policy is not None:
        (tmp_path / "policy.yaml").write_text(policy)
    return tmp_path / "order.yaml"


def _run(
    path: Path, shop: str, template: str | None, sender: str | None = None, **notes: Any
) -> tuple[Engine, MemoryTransport, str]:
    mail = MemoryTransport()
    engine = Engine(MemoryStore(), transports={"email": mail}, charts=[load_chart(path)])
    context = {
        "shop_code": shop,
        "customer_email": "ann@example.com",
        "shop": {"sender": sender, "cancel_template": template},
    }
    order = engine.start("t.shop_order", context)
    engine.send(order.id, "cancel", **notes)
    return engine, mail, order.id


def _logs(engine: Engine, iid: str) -> list[str]:
    return [r.note or "" for r in engine.history(iid) if r.kind == "log"]


def test_notes_and_actor_reach_actions_templates_and_history(tmp_path: Path) -> None:
    engine, mail, iid = _run(
        _folder(tmp_path, None),
        "S1",
        "order_cancelled",
        actor="bo",
        note="fraud check",
        client_note="out of stock",
    )
    assert engine.get(iid).context["reason"] == "out of stock"
    assert engine.get(iid).context["who"] == "bo"
    assert [m.body for m in mail.sent] == ["Thanks", "Reason: out of stock [fraud check]"]
    (step,) = [r for r in engine.history(iid) if r.event == "cancel"]
    assert (step.note, step.client_note, step.actor) == ("fraud check", "out of stock", "bo")


def test_an_event_with_declared_data_keeps_its_notes(tmp_path: Path) -> None:
    chart = CHART.replace(
        "initial: open", "events:\n  cancel: {source: manual, data: {code: string}}\ninitial: open"
    )
    path = _folder(tmp_path, None, chart)
    mail = MemoryTransport()
    engine = Engine(MemoryStore(), transports={"email": mail}, charts=[load_chart(path)])
    context = {"shop_code": "S1", "customer_email": "a@b.example",
               "shop": {"sender": None, "cancel_template": "order_cancelled"}}  # fmt: skip
    iid = engine.start("t.shop_order", context).id
    engine.send(iid, "cancel", {"code": "X"}, actor="bo", note="n", client_note="c")
    assert engine.get(iid).context["reason"] == "c"
    assert mail.sent[-1].body == "Reason: c [n]"


def test_a_step_without_notes_sees_null(tmp_path: Path) -> None:
    engine, mail, iid = _run(_folder(tmp_path, None), "S1", "order_cancelled")
    assert engine.get(iid).context["reason"] is None
    assert mail.sent[-1].body == "Reason: None"


@pytest.mark.parametrize(
    ("template", "sent", "log"),
    [
        ("order_cancelled_short", ["order_new", "order_cancelled_short"], []),
        (None, ["order_new"], ["chooses no template"]),
        ("", ["order_new"], ["chooses no template"]),
    ],
)
def test_template_chosen_as_data(
    tmp_path: Path, template: str | None, sent: list[str], log: list[str]
) -> None:
    engine, mail, iid = _run(_folder(tmp_path, None), "S1", template)
    assert [m.template for m in mail.sent] == sent
    logs = _logs(engine, iid)
    assert len(logs) == len(log) and all(w in line for w, line in zip(log, logs, strict=True))


def test_a_chosen_name_that_is_no_template_is_a_failed_notification(tmp_path: Path) -> None:
    with pytest.raises(EffectFailed, match="has no template 'order_gone'"):
        _run(_folder(tmp_path, None), "S1", "order_gone")


def test_the_sender_comes_from_the_scope(tmp_path: Path) -> None:
    _, mail, _ = _run(_folder(tmp_path, None), "S1", None, sender="shop1@shop.example")
    assert mail.sent[0].sender == "shop1@shop.example"
    smtp = SmtpTransport("localhost", sender="noreply@statewise.example")
    assert smtp.build(mail.sent[0], idempotency_key="k")["From"] == "shop1@shop.example"
    plain = Message("email", ("a@b.example",), "s", "b", "t", "i")
    assert smtp.build(plain, idempotency_key="k")["From"] == "noreply@statewise.example"


def test_a_sender_that_is_not_one_address_fails_the_notification(tmp_path: Path) -> None:
    with pytest.raises(EffectFailed, match=r"sender .a@b\.example, c@d\.example. is several"):
        _run(_folder(tmp_path, None), "S1", None, sender="a@b.example, c@d.example")


@pytest.mark.parametrize(
    ("shop", "template", "sent", "logs"),
    [
        (
            "SHOP10",
            "order_cancelled",
            [("order_cancelled", ("orders@shop10.example",))],
            [
                "notification 'order_new' suppressed by the notification policy for scope "
                "'SHOP10': the ERP confirms orders",
                "notification 'order_cancelled' redirected by the notification policy for scope "
                "'SHOP10' to orders@shop10.example instead of ann@example.com: mailing list",
            ],
        ),
        (
            "SHOP20",
            "order_cancelled",
            [("order_new", ("ann@example.com",)), ("order_cancelled", ("ann@example.com",))],
            [],
        ),
        (
            "SHOP20",
            "order_cancelled_short",
            [("order_new", ("ann@example.com",))],
            [
                "notification 'order_cancelled_short' suppressed by the notification policy for "
                "every scope"
            ],
        ),
    ],
)
def test_the_policy_suppresses_or_redirects_per_scope(
    tmp_path: Path, shop: str, template: str, sent: list[Any], logs: list[str]
) -> None:
    engine, mail, iid = _run(_folder(tmp_path), shop, template)
    assert [(m.template, m.recipients) for m in mail.sent] == sent
    assert _logs(engine, iid) == logs


def _errors(path: Path) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_chart(path)
    return [f"{d.code} {Path(d.span.file).name}:{d.span.line} {d.message}" for d in caught.value.diagnostics if d.span and d.is_error]  # fmt: skip


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            "scopes:\n  S1:\n    order_nw: suppress\n",
            "E507 policy.yaml:3 notification policy names template 'order_nw'",
        ),
        (
            "scopes:\n  S1:\n    order_new: {action: redirect}\n",
            "E507 policy.yaml:3 notification policy: a `redirect` needs `to`",
        ),
        (
            "scopes:\n  S1:\n    order_new: {action: suppress, to: [a@b.example]}\n",
            "E507 policy.yaml:3 notification policy: `to` is only for `redirect`",
        ),
        (
            "scopes:\n  S1:\n    order_new: {action: redirect, to: ['a@b.example; c@d.example']}\n",
            "E507 policy.yaml:3 notification policy: 'a@b.example; c@d.example' is several",
        ),
        (
            "scopes:\n  S1:\n    order_new: drop\n",
            "E507 policy.yaml:3 notification policy: scopes.S1.order_new: expected `send`",
        ),
        ("shops: {}\n", "E507 policy.yaml:1 notification policy: the file: expected `scopes`"),
        (
            "charts:\n  t.shop_order:\n    scopes:\n      S1: {order_nw: suppress}\n",
            "E507 policy.yaml:4 notification policy names template 'order_nw', which chart "
            "'t.shop_order' does not declare",
        ),
    ],
)
def test_policy_problems_name_the_file_and_line(tmp_path: Path, policy: str, expected: str) -> None:
    errors = _errors(_folder(tmp_path, policy))
    assert any(e.startswith(expected) for e in errors), errors


def test_the_policy_file_stays_inside_the_definitions_folder(tmp_path: Path) -> None:
    inner = tmp_path / "defs"
    inner.mkdir()
    (tmp_path / "policy.yaml").write_text(POLICY)
    (inner / "order.yaml").write_text(
        CHART.replace("{policy}", USES_POLICY.replace("policy.yaml", "../policy.yaml"))
    )
    assert any(e.startswith("E008 order.yaml") for e in _errors(inner / "order.yaml"))
    (inner / "order.yaml").write_text(CHART.replace("{policy}", USES_POLICY))
    assert any("E507 order.yaml" in e and "not found" in e for e in _errors(inner / "order.yaml"))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("who: _event.actor", "who: _event.actr", "E206"),
        ("{{ _event.client_note }}{%", "{{ _event.clientnote }}{%", "E502"),
        ("template_from: shop.cancel_template", "template_from: \"'order_gone'\"", "E505"),
        ("template_from: shop.cancel_template", "template_from: shop", "E505"),
        (
            "template_from: shop.cancel_template",
            "template: order_new, template_from: shop.cancel_template",
            "E505",
        ),
        ("sender: shop.sender", "sender: \"'a@b.example, c@d.example'\"", "E506"),
        ("sender: shop.sender", "sender: shop", "E506"),
    ],
)
def test_load_time_checks(tmp_path: Path, old: str, new: str, expected: str) -> None:
    chart = CHART.replace(old, new)
    assert chart != CHART
    assert any(e.startswith(expected) for e in _errors(_folder(tmp_path, None, chart)))


def test_enum_choices_are_all_checked(tmp_path: Path) -> None:
    chart = CHART.replace(
        "cancel_template: {type: string, optional: true}",
        "cancel_template: {type: enum, values: [order_cancelled, order_void], optional: true}",
    )
    errors = _errors(_folder(tmp_path, None, chart))
    assert any(e.startswith("E505") and "'order_void'" in e for e in errors), errors


SHARED = """
charts:
  t.shop_order:
    scopes:
      SHOP10: {order_new: {action: suppress, reason: the ERP confirms orders}}
  other.chart:
    scopes:
      SHOP10: {templates_of_another_chart: suppress}
"""


def test_a_shared_policy_file_has_a_section_per_chart(tmp_path: Path) -> None:
    engine, mail, iid = _run(_folder(tmp_path, SHARED), "SHOP10", "order_cancelled")
    assert [m.template for m in mail.sent] == ["order_cancelled"]
    assert _logs(engine, iid) == [
        "notification 'order_new' suppressed by the notification policy for scope 'SHOP10': "
        "the ERP confirms orders"
    ]
    unlisted = SHARED.replace("t.shop_order", "not.this.chart")
    _, mail, _ = _run(_folder(tmp_path, unlisted), "SHOP10", "order_cancelled")
    assert [m.template for m in mail.sent] == ["order_new", "order_cancelled"]


def test_a_policy_is_part_of_the_version(tmp_path: Path) -> None:
    with_policy = load_chart(_folder(tmp_path)).fingerprint
    (tmp_path / "policy.yaml").write_text(POLICY.replace("SHOP10", "SHOP11"))
    assert load_chart(tmp_path / "order.yaml").fingerprint != with_policy


@pytest.mark.parametrize(
    ("name", "chart"),
    [
        ("order.yaml", True),
        ("fragments.yml", True),
        ("shops.policy.yaml", False),
        ("shops.policy.yml", False),
        ("a.scenario.yaml", False),
    ],
)
def test_folder_scans_do_not_take_a_policy_for_a_chart(name: str, chart: bool) -> None:
    from engine.discovery import is_chart_file

    assert is_chart_file(Path(name)) is chart
