"""The JSON Schema for chart files: itself valid, documented, and right about good and bad charts.

The YAML here is read with a YAML 1.2 core-schema variant of PyYAML's safe loader (only
``true``/``false`` are booleans, dates stay strings), as the project's loader does; plain
``yaml.safe_load`` would turn the key ``on`` into ``True``.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "schemas" / "statechart.schema.json"
LANGUAGE_DOC = ROOT / "docs" / "language.md"

SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)


class _CoreLoader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 core-schema scalars."""


_CoreLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in [
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
]:
    _CoreLoader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first)
    )


def load(text: str) -> Any:
    return yaml.load(textwrap.dedent(text), Loader=_CoreLoader)  # a SafeLoader subclass: safe


def errors(doc: Any) -> list[tuple[tuple[str | int, ...], str | None, str]]:
    """(absolute_path, validator keyword, message) of every error, in path order."""
    found = [(tuple(e.absolute_path), e.validator, e.message) for e in VALIDATOR.iter_errors(doc)]
    return sorted(found, key=lambda item: [str(p) for p in item[0]])


def chart(body: str) -> str:
    """A chart with the given body (which must bring its own ``states``)."""
    return "id: test.chart\nversion: 1\n" + textwrap.dedent(body)


# --------------------------------------------------------------------------- the schema itself


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] == "https://statewise.dev/schemas/statechart.schema.json"
    assert SCHEMA["title"] and SCHEMA["description"]
    Draft202012Validator.check_schema(SCHEMA)


def _walk(node: Any, where: str, in_condition: bool = False) -> Iterator[tuple[str, Any, bool]]:
    """Every subschema with its location; ``in_condition`` inside an ``if`` (a test, not a shape)."""
    if isinstance(node, dict):
        yield where, node, in_condition
        for key, value in node.items():
            if key in ("default", "const", "enum", "required", "dependentRequired", "examples"):
                continue
            yield from _walk(value, f"{where}/{key}", in_condition or key == "if")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _walk(item, f"{where}/{i}", in_condition)


def test_every_property_and_definition_has_a_description() -> None:
    missing = [
        f"#/$defs/{name}" for name, sub in SCHEMA["$defs"].items() if "description" not in sub
    ]
    for where, node, in_condition in _walk(SCHEMA, "#"):
        if in_condition or "properties" not in node:
            continue
        for name, sub in node["properties"].items():
            if not isinstance(sub, dict) or not str(sub.get("description", "")).strip():
                missing.append(f"{where}/properties/{name}")
    assert missing == []


def test_every_ref_points_at_a_definition_and_every_definition_is_used() -> None:
    refs = {node["$ref"] for _, node, _ in _walk(SCHEMA, "#") if "$ref" in node}
    defined = {f"#/$defs/{name}" for name in SCHEMA["$defs"]}
    assert refs - defined == set()
    assert defined - refs == set()


def test_all_objects_are_closed_except_metadata() -> None:
    open_objects = [
        where
        for where, node, in_condition in _walk(SCHEMA, "#")
        if not in_condition
        and "properties" in node
        and node.get("additionalProperties") is not False
        and where != "#/properties/metadata"  # open by design; its `console` key is closed
    ]
    assert open_objects == []
    assert "additionalProperties" not in SCHEMA["properties"]["metadata"]


# --------------------------------------------------------------------------- valid charts


def _doc_yaml_blocks() -> list[tuple[str, str]]:
    text = LANGUAGE_DOC.read_text(encoding="utf-8")
    blocks: list[tuple[str, str]] = []
    heading = ""
    for match in re.finditer(r"^(#{2,3} [^\n]*)$|^```yaml\n(.*?)^```", text, re.M | re.S):
        if match.group(1):
            heading = match.group(1).lstrip("# ").strip()
        else:
            blocks.append((heading, match.group(2)))
    return blocks


def test_the_first_chart_in_the_language_doc_is_valid() -> None:
    first = [body for heading, body in _doc_yaml_blocks() if heading == "A first chart"]
    assert len(first) == 1
    assert errors(load(first[0])) == []


TOP_LEVEL_KEYS = set(SCHEMA["properties"])
STATE_KEYS = set(SCHEMA["$defs"]["regularState"]["properties"])


@pytest.mark.parametrize(
    "body",
    [pytest.param(b, id=f"{i}-{h or 'modeline'}") for i, (h, b) in enumerate(_doc_yaml_blocks())],
)
def test_every_yaml_example_in_the_language_doc_is_valid(body: str) -> None:
    """Each example, completed into a chart: top-level keys as they are, state keys in a state."""
    data = load(body)
    if data is None:  # the modeline-only example
        return
    assert isinstance(data, dict)
    if set(data) <= TOP_LEVEL_KEYS:
        doc = {"id": "docs.example", "version": 1, "states": {"only": {}}} | data
    else:
        assert set(data) <= STATE_KEYS, f"neither chart nor state keys: {sorted(data)}"
        doc = {"id": "docs.example", "version": 1, "states": {"example": data}}
    assert errors(doc) == []


VALID = {
    "parallel-state": chart(
        """
        initial: fulfilment
        states:
          fulfilment:
            type: parallel
            states:
              packing:
                initial: waiting
                states:
                  waiting: {on: {packed: done}}
                  done: {type: final}
              invoicing:
                states:
                  open: {on: {invoiced: closed}}
                  closed: {type: final}
            on:
              cancel: [fulfilment.packing.waiting, invoicing.open]
              reset:
                target: [packing, invoicing]
                internal: true
              done.state.fulfilment: shipped
          shipped: {type: final, tags: [done]}
        """
    ),
    "history-states": chart(
        """
        states:
          work:
            initial: step1
            states:
              step1: {on: {next: step2}}
              step2: {on: {next: step1}}
              resume: {type: history}
              resume_deep: {type: history, history: deep, target: step2, label: Back}
            on:
              pause: paused
          paused:
            on:
              resume: {target: resume, manual: {label: Resume, roles: [operator], note_required: true}}
              resume.deep: work.resume_deep
        """
    ),
    "timers": chart(
        """
        context:
          processing_expiry: duration
          delivery_expiry_days: integer
        calendars:
          store_hours:
            timezone: Europe/Copenhagen
            days: [mon, tue, wed, thu, fri, sat]
            opens: "09:00"
            closes: "24:00"
            holidays: ["2026-12-24", "2026-12-25"]
            description: Opening hours of the shops
        states:
          waiting:
            after:
              - delay: 10m
                target: ready
              - delay: processing_expiry
                calendar: store_hours
                target: expired
                guard: not paid
                actions: [{log: "'processing expired'"}]
                label: processing expiry
              - open_days: delivery_expiry_days
                calendar: store_hours
                target: expired
              - open_days: 3
                calendar: store_hours
                target: expired
                internal: false
                description: three open days
          ready: {}
          expired: {type: final}
        """
    ),
    "every-action-kind": chart(
        """
        context:
          total: decimal
          paid: boolean
          deliveries: {type: list, items: {type: record, fields: {number: string}}}
          customer: {type: record, fields: {email: {type: string, optional: true}}}
        tasks:
          send_to_crm: {input: {order: string}}
        templates:
          order_new: {channel: email, subject: New order, body: "Order {{ total }}"}
        states:
          busy:
            entry:
              - assign: {total: total - 1, paid: true, customer.email: "'x@example.com'", note: null}
              - if: total > 100
                then:
                  - raise: big.order
                else:
                  - raise: {event: small.order, data: {amount: total, flag: false}}
              - if: paid
                then: [{log: "'paid'"}]
              - send: {event: reminder, delay: 2d, id: remind, data: {n: 1}}
              - send: {event: child.done, to: parent}
              - send: {event: stop, to: children}
              - send: {event: sync, to: self}
              - send: {event: order.update, to: {chart: ats.order, key: order_no}}
              - notify: {template: order_new, channel: sms, to: [customer.email, "'ops@example.com'"], data: {why: "'new'"}}
              - notify: {template: order_new}
              - task: {name: send_to_crm, input: {order: order_no}}
              - spawn: {chart: yescart.delivery, for_each: deliveries, as: item, key: item.number, context: {number: item.number}, id: deliveries}
              - spawn: {chart: yescart.delivery, for_each: deliveries}
              - log: "'entered busy'"
            exit:
              - cancel: remind
            on:
              done.spawn.deliveries: {target: finished, actions: [{assign: {paid: true}}]}
          finished: {type: final, entry: [{log: "'finished'"}]}
        """
    ),
    "fragment-file": """
        fragment: true
        include: [other-fragment.yaml]
        context:
          error_message: {type: string, optional: true, description: Why the last step failed}
        events:
          produce.failed: {source: integration, data: {message: string}}
        ignore: [reminder.sent]
        states:
          failed:
            on:
              retry: {target: pending, manual: {label: Retry}}
        """,
    "fragment-without-states": """
        fragment: true
        templates:
          failure_notice: {body_file: templates/failure_notice.txt, description: To the shop}
        """,
    "tasks-invoke-and-events": chart(
        """
        context:
          total: decimal
          started: timestamp
          due: date
          kind: {type: enum, values: [online, offline], default: online}
          attempts: {type: integer, default: 0}
        events:
          payment.ok:
          payment.failed: {source: external, description: The gateway said no}
          stock.reserved: {source: manual, data: {lines: {type: list, items: string}}}
        tasks:
          authorize_payment:
            description: Ask the payment gateway to authorize the order total
            input: {amount: decimal}
            result: {outcome: {type: enum, values: [ok, processing, failed]}}
        ignore: [tracking.updated]
        include: [fragments/common.yaml]
        metadata: {colour: blue, owners: [ops]}
        title: Payments
        description: How an order is paid
        states:
          authorizing:
            label: Authorizing
            description: Waiting for the gateway
            queue: Payments
            code: 11
            tags: [waiting]
            ignore: [payment.reminder]
            invoke:
              id: auth
              task: authorize_payment
              input: {amount: total}
              on_done:
                - {target: paid, guard: "event.outcome == 'ok'"}
                - target: waiting
                  guard: "event.outcome == 'processing'"
                - cancelled
              on_error: payment_error
            always:
              - {target: paid, guard: total == 0}
              - cancelled
            on:
              "*": {actions: [{log: "'something happened'"}]}
              payment.*: paid
              payment: {label: any payment event, description: catch-all}
          waiting: {code: os.waiting}
          paid: {terminal: true, include: [fragments/paid-children.yaml]}
          payment_error: {type: atomic}
          cancelled: {type: final}
        """
    ),
    "yaml-1.1-booleans-are-plain-names": chart(
        """
        states:
          on:
            on:
              "yes": off
              no: off
          off: {type: final}
        """
    ),
}


@pytest.mark.parametrize("text", [pytest.param(t, id=k) for k, t in VALID.items()])
def test_valid_chart(text: str) -> None:
    assert errors(load(text)) == []


# --------------------------------------------------------------------------- invalid charts

S = ("states",)
A = ("states", "a")
ENTRY0 = ("states", "a", "entry", 0)

INVALID: list[Any] = [
    # (chart text, expected absolute_path, expected validator keyword)
    pytest.param(
        chart("states:\n  a: {lable: Typo}\n"), A, "additionalProperties", id="unknown-state-key"
    ),
    pytest.param(
        chart("states:\n  a: {type: paralel, states: {b: {}}}\n"),
        (*A, "type"),
        "enum",
        id="state-type-typo",
    ),
    pytest.param(
        chart("states:\n  a: {after: [{delay: 10m, open_days: 2, calendar: c, target: a}]}\n"),
        (*A, "after", 0),
        "oneOf",
        id="timer-with-delay-and-open-days",
    ),
    pytest.param(
        chart("states:\n  a: {after: [{target: a}]}\n"),
        (*A, "after", 0),
        "oneOf",
        id="timer-without-delay-or-open-days",
    ),
    pytest.param(
        chart("states:\n  a: {after: [{open_days: 2, target: a}]}\n"),
        (*A, "after", 0),
        "dependentRequired",
        id="open-days-without-calendar",
    ),
    pytest.param(
        chart("states:\n  a: {after: [{delay: 10, target: a}]}\n"),
        (*A, "after", 0, "delay"),
        "type",
        id="delay-is-not-text",
    ),
    pytest.param(
        chart("states:\n  a: {on: {go: {target: a, manual: {roles: [operator]}}}}\n"),
        (*A, "on", "go", "manual"),
        "required",
        id="manual-without-label",
    ),
    pytest.param(chart("states:\n  bad.name: {}\n"), S, "pattern", id="state-name-with-a-dot"),
    pytest.param(
        chart("states:\n  a: {entry: [{assign: {x: 1}, log: \"'x'\"}]}\n"),
        ENTRY0,
        "oneOf",
        id="action-with-two-keys",
    ),
    pytest.param(
        chart("states:\n  a: {entry: [{asign: {x: 1}}]}\n"),
        ENTRY0,
        "additionalProperties",
        id="unknown-action",
    ),
    pytest.param(
        chart("states:\n  a: {entry: [{if: x > 1}]}\n"), ENTRY0, "oneOf", id="if-without-then"
    ),
    pytest.param(
        chart("states:\n  a: {entry: [{notify: {template: t, channel: fax}}]}\n"),
        (*ENTRY0, "notify", "channel"),
        "enum",
        id="notify-channel-unknown",
    ),
    pytest.param(
        chart("states:\n  a: {entry: [{send: {event: e, to: sibling}}]}\n"),
        (*ENTRY0, "send", "to"),
        "enum",
        id="send-to-unknown-recipient",
    ),
    pytest.param(
        chart("states:\n  a: {entry: [{spawn: {chart: yescart.delivery}}]}\n"),
        (*ENTRY0, "spawn"),
        "required",
        id="spawn-without-for-each",
    ),
    pytest.param(
        chart("states:\n  a: {entry: [{raise: {event: pay ment}}]}\n"),
        (*ENTRY0, "raise", "event"),
        "pattern",
        id="raise-bad-event-name",
    ),
    pytest.param(
        chart("states:\n  a: {entry: [{assign: {}}]}\n"),
        (*ENTRY0, "assign"),
        "minProperties",
        id="assign-nothing",
    ),
    pytest.param(
        chart("states:\n  a: {on: {go: {taget: a}}}\n"),
        (*A, "on", "go"),
        "additionalProperties",
        id="transition-key-typo",
    ),
    pytest.param(
        chart("states:\n  a: {on: {go: [{target: a, guard: x}, {target: a, gaurd: y}]}}\n"),
        (*A, "on", "go", 1),
        "additionalProperties",
        id="second-transition-in-list-has-typo",
    ),
    pytest.param(
        chart("states:\n  a: {on: {go: {target: []}}}\n"),
        (*A, "on", "go", "target"),
        "minItems",
        id="empty-target-list",
    ),
    pytest.param(
        chart("states:\n  a: {on: {pay ment: a}}\n"),
        (*A, "on"),
        "pattern",
        id="bad-event-descriptor",
    ),
    pytest.param(
        chart("states:\n  a: {history: deep}\n"),
        A,
        "additionalProperties",
        id="history-key-on-an-ordinary-state",
    ),
    pytest.param(
        chart("states:\n  a: {type: final, on: {go: a}}\n"),
        A,
        "additionalProperties",
        id="final-state-with-transitions",
    ),
    pytest.param(
        chart("states:\n  a: {type: history, history: sometimes}\n"),
        (*A, "history"),
        "enum",
        id="history-kind-unknown",
    ),
    pytest.param(
        chart("states:\n  a: {invoke: {input: {amount: total}}}\n"),
        (*A, "invoke"),
        "required",
        id="invoke-without-task",
    ),
    pytest.param("version: 1\nstates: {a: {}}\n", (), "required", id="chart-without-id"),
    pytest.param(
        "id: Ustore.Item\nversion: 1\nstates: {a: {}}\n", ("id",), "pattern", id="id-not-lowercase"
    ),
    pytest.param(
        "id: u.item\nversion: 0\nstates: {a: {}}\n", ("version",), "minimum", id="version-zero"
    ),
    pytest.param(
        "id: u.item\nversion: 1\nstats: {a: {}}\n",
        (),
        "additionalProperties",
        id="unknown-top-level-key",
    ),
    pytest.param(
        chart("context: {order_id: strng}\nstates: {a: {}}\n"),
        ("context", "order_id"),
        "enum",
        id="context-type-typo",
    ),
    pytest.param(
        chart("context: {kind: {type: enum}}\nstates: {a: {}}\n"),
        ("context", "kind"),
        "required",
        id="enum-without-values",
    ),
    pytest.param(
        chart("context: {kind: {type: string, values: [a, b]}}\nstates: {a: {}}\n"),
        ("context", "kind"),
        "additionalProperties",
        id="values-on-a-non-enum",
    ),
    pytest.param(
        chart(
            "context:\n  l: {type: list, items: {type: record, fields: {n: strin}}}\nstates: {a: {}}\n"
        ),
        ("context", "l", "items", "fields", "n"),
        "enum",
        id="nested-type-typo",
    ),
    pytest.param(
        chart("events: {pay: {source: webhook}}\nstates: {a: {}}\n"),
        ("events", "pay", "source"),
        "enum",
        id="event-source-unknown",
    ),
    pytest.param(
        chart("templates: {t: {body: x, body_file: t.txt}}\nstates: {a: {}}\n"),
        ("templates", "t"),
        "oneOf",
        id="template-with-body-and-body-file",
    ),
    pytest.param(
        chart(
            'calendars: {c: {timezone: UTC, days: [mon], opens: 9am, closes: "17:00"}}\n'
            "states: {a: {}}\n"
        ),
        ("calendars", "c", "opens"),
        "pattern",
        id="calendar-time-not-hh-mm",
    ),
    pytest.param(
        chart(
            'calendars: {c: {timezone: UTC, days: [monday], opens: "09:00", closes: "17:00"}}\n'
            "states: {a: {}}\n"
        ),
        ("calendars", "c", "days", 0),
        "enum",
        id="calendar-day-name",
    ),
    pytest.param(
        "fragment: true\nstates: {a: {on: {go: {target: a, manual: {}}}}}\n",
        ("states", "a", "on", "go", "manual"),
        "required",
        id="errors-inside-a-fragment",
    ),
]


@pytest.mark.parametrize(("text", "path", "validator"), INVALID)
def test_invalid_chart_is_reported_at_the_right_place(
    text: str, path: tuple[str | int, ...], validator: str
) -> None:
    found = errors(load(text))
    assert (path, validator) in [(p, v) for p, v, _ in found], found
    # nothing else is reported elsewhere: one mistake, one place
    assert {p for p, _, _ in found} == {path}, found


def test_yaml_1_1_booleans_would_break_the_on_key() -> None:
    """Why the tests (and the loader) read YAML 1.2: ``safe_load`` turns ``on:`` into ``True``."""
    text = chart("states:\n  a:\n    on: {go: a}\n")
    assert errors(load(text)) == []
    assert errors(yaml.safe_load(text)) != []
