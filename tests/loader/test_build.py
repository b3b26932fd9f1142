"""Stage 4: references, kinds, initial states, history, timers, actions, expression spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.loader import Stage, validate_path
from engine.model import Assign, Chart, Notify, Spawn, StateKind, Trigger


def load(tmp_path: Path, text: str) -> tuple[Chart | None, list[str]]:
    path = tmp_path / "chart.yaml"
    path.write_text(text, encoding="utf-8")
    result = validate_path(path, stage=Stage.MODEL)
    return result.chart, [
        f"{d.span.line}:{d.span.col}: {d.code}" if d.span else d.code for d in result.diagnostics
    ]


HEAD = "id: demo\nversion: 1\n"


def test_ids_are_paths_and_unique_suffixes_resolve(tmp_path: Path) -> None:
    chart, diags = load(
        tmp_path,
        HEAD
        + "states:\n"
        + "  order:\n    states:\n      open:\n        on:\n          close: order.closed\n"
        + "      closed:\n        type: final\n"
        + "  other:\n    states:\n      closed:\n        type: final\n",
    )
    assert chart is not None, diags
    assert list(chart.states) == [
        "",
        "order",
        "order.open",
        "order.closed",
        "other",
        "other.closed",
    ]
    assert chart.state("order.open").transitions[0].targets == ("order.closed",)
    assert chart.resolve("open") == "order.open"
    assert "closed" not in chart.refs  # ambiguous


def test_ambiguous_and_unknown_targets(tmp_path: Path) -> None:
    _, diags = load(
        tmp_path,
        HEAD
        + "states:\n  a:\n    states:\n      x: {type: final}\n  b:\n    states:\n      x: {type: final}\n"
        + "  c:\n    on:\n      go: x\n      back: nowhere\n",
    )
    assert diags == ["12:11: E302", "13:13: E301"]


def test_kinds_initial_and_defaults(tmp_path: Path) -> None:
    chart, diags = load(
        tmp_path,
        HEAD
        + "initial: two\nstates:\n  one: {type: final}\n  two:\n    initial: b\n    states:\n"
        + "      a: {}\n      b: {}\n      h: {type: history, history: deep}\n"
        + "  three:\n    type: parallel\n    states:\n      r1: {states: {x: {}}}\n      r2: {}\n",
    )
    assert chart is not None, diags
    assert chart.root.initial == ("two",)
    assert chart.state("two").initial == ("two.b",)
    assert chart.state("two").kind is StateKind.COMPOUND
    assert chart.state("three").kind is StateKind.PARALLEL and chart.state("three").initial == ()
    h = chart.state("two.h")
    assert h.history is not None and h.history.value == "deep"
    assert h.transitions[0].targets == ("two.b",)  # the parent's initial is the default


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ("  a:\n    initial: b\n    states:\n      x: {}\n  b: {}\n", ["5:14: E303"]),
        ("  h: {type: history}\n  a: {}\n", ["4:3: E304"]),
        ("  a:\n    type: final\n    on:\n      go: a\n", ["6:5: E101"]),
        ("  a:\n    type: compound\n", ["4:3: E305"]),
        (
            "  p:\n    type: parallel\n    states:\n      r: {states: {x: {}, y: {}}}\n"
            "  s:\n    on:\n      go: {target: [x, y]}\n",
            ["10:20: E311"],
        ),
        # an initial list item outside the state, and targets in the same region
        (
            "  a:\n    initial: [x, b]\n    states:\n      x: {}\n  b: {}\n",
            ["5:18: E303"],
        ),
        (
            "  a:\n    initial: {target: [x, y]}\n    states:\n      x: {}\n      y: {}\n",
            ["5:23: E311"],
        ),
        # entry actions may only read data every entering event declares
        (
            "  a:\n    on: {go: b}\n  b:\n    entry: [{log: event.why}]\n",
            ["7:19: E214"],
        ),
        # ... and the initial transition's and history default's actions are checked too
        (
            "  a:\n    initial: {target: x, actions: [{log: nope}]}\n    states:\n"
            "      h: {type: history, target: x, actions: [{log: nada}]}\n      x: {}\n",
            ["5:42: E205", "7:53: E205"],
        ),
    ],
)
def test_structure_errors(tmp_path: Path, states: str, expected: list[str]) -> None:
    _, diags = load(tmp_path, HEAD + "states:\n" + states)
    assert diags == expected


def test_parallel_targets_in_different_regions_are_fine(tmp_path: Path) -> None:
    chart, diags = load(
        tmp_path,
        HEAD
        + "states:\n  s:\n    on:\n      go: {target: [x, y]}\n"
        + "  p:\n    type: parallel\n    states:\n      r1: {states: {x: {}}}\n      r2: {states: {y: {}}}\n",
    )
    assert chart is not None, diags
    assert chart.state("s").transitions[0].targets == ("p.r1.x", "p.r2.y")


def test_transitions_keep_document_order_and_triggers(tmp_path: Path) -> None:
    chart, diags = load(
        tmp_path,
        HEAD
        + "context:\n  n: integer\nstates:\n  s:\n    after:\n      - {delay: 10m, target: t}\n"
        + "    on:\n      go:\n        - {target: t, guard: n > 1}\n        - t\n"
        + "      push: {target: t, manual: {label: Push, roles: [ops], note_required: true}}\n"
        + "    always:\n      - {target: t, guard: n > 5}\n  t: {type: final}\n",
    )
    assert chart is not None, diags
    ts = chart.state("s").transitions
    assert [t.trigger for t in ts] == [
        Trigger.TIMER,
        Trigger.EVENT,
        Trigger.EVENT,
        Trigger.MANUAL,
        Trigger.ALWAYS,
    ]
    assert ts[0].events == ("after.s.0",) and ts[0].timer is not None
    assert (
        ts[3].manual is not None and ts[3].manual.roles == ("ops",) and ts[3].manual.note_required
    )
    assert ts[1].guard is not None and ts[1].guard.text == "n > 1"
    assert [t.order for t in ts] == sorted(t.order for t in ts)


def test_guard_errors_point_inside_the_expression(tmp_path: Path) -> None:
    _, diags = load(
        tmp_path,
        HEAD + "context:\n  total: decimal\nstates:\n  s:\n    on:\n      go:\n"
        "        target: s\n        guard: 'total > 1 and totl < 5'\n",
    )
    assert diags == ["10:31: E205"]


def test_event_data_is_typed_from_declarations(tmp_path: Path) -> None:
    chart, diags = load(
        tmp_path,
        HEAD
        + "context:\n  paid: decimal\nevents:\n  payment.ok: {source: integration, data: {amount: decimal}}\n"
        + "states:\n  s:\n    on:\n      payment.ok:\n        target: s\n        actions:\n"
        + "          - assign: {paid: event.amount}\n",
    )
    assert chart is not None, diags
    [action] = chart.state("s").transitions[0].actions
    assert isinstance(action, Assign) and action.items[0][1].text == "event.amount"


def test_undeclared_event_data_is_an_error(tmp_path: Path) -> None:
    _, diags = load(
        tmp_path,
        HEAD + "context:\n  paid: decimal\nstates:\n  s:\n    on:\n      pay:\n        target: s\n"
        "        actions:\n          - assign: {paid: event.amount}\n",
    )
    assert len(diags) == 1 and diags[0].startswith("11:")


def test_actions_check_templates_tasks_and_spawn(tmp_path: Path) -> None:
    chart, diags = load(
        tmp_path,
        HEAD
        + "context:\n  email: string\n  items:\n    type: list\n    items: {type: record, fields: {no: string}}\n"
        + "tasks:\n  reserve: {input: {count: integer}}\n"
        + "templates:\n  hello: {body: 'Hi {{ email }}'}\n"
        + "states:\n  s:\n    entry:\n      - notify: {template: hello, to: [email]}\n"
        + "      - spawn: {chart: demo.child, for_each: items, as: it, key: it.no, context: {no: it.no}}\n"
        + "      - task: {name: reserve, input: {count: len(items)}}\n"
        + "    on:\n      done.spawn.demo.child: t\n  t: {type: final}\n",
    )
    assert chart is not None, diags
    entry = chart.state("s").entry
    assert isinstance(entry[0], Notify) and entry[0].channel == "email"
    assert isinstance(entry[1], Spawn) and entry[1].item_name == "it"


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        ("- notify: {template: nope, to: [email]}", "E308"),
        ("- task: {name: nope}", "E309"),
        ("- cancel: nope", "E315"),
        ("- task: {name: reserve, input: {count: email}}", "E314"),
        ("- spawn: {chart: x, for_each: email}", "E212"),
    ],
)
def test_action_reference_errors(tmp_path: Path, entry: str, code: str) -> None:
    _, diags = load(
        tmp_path,
        HEAD + "context:\n  email: string\ntasks:\n  reserve: {input: {count: integer}}\n"
        "states:\n  s:\n    entry:\n      " + entry + "\n",
    )
    assert [d.split(": ")[1] for d in diags] == [code]


def test_calendar_and_timer_checks(tmp_path: Path) -> None:
    _, diags = load(
        tmp_path,
        HEAD
        + "context:\n  days: integer\ncalendars:\n  shop: {timezone: Europe/Copenhagen, days: [mon, tue],"
        + ' opens: "09:00", closes: "24:00", holidays: ["2026-12-24"]}\n'
        + "states:\n  s:\n    after:\n      - {open_days: days, calendar: shop, target: t}\n"
        + "      - {delay: 2h, calendar: nope, target: t}\n  t: {type: final}\n",
    )
    assert diags == ["11:31: E310"]


ENUMS = (
    HEAD + "context:\n  modes: {type: list, items: {type: enum, values: [express, normal]}}\n"
    "tasks:\n  ship: {input: {mode: {type: enum, values: [express, normal]}, "
    "also: {type: list, items: {type: enum, values: [express, normal]}, optional: true}}}\n"
    "events:\n  go: {data: {mode: {type: enum, values: [express, normal]}}}\n"
    "states:\n  s:\n    entry:\n      - {entry}\n    on:\n      go: t\n  t: {type: final}\n"
)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        # a quoted value of an enum fits a task's input and an event's data, as in `assign`
        ("task: {name: ship, input: {mode: \"'express'\"}}", None),
        ("task: {name: ship, input: {mode: \"'normal'\", also: \"['express', 'normal']\"}}", None),
        ("raise: {event: go, data: {mode: \"'normal'\"}}", None),
        ("task: {name: ship, input: {mode: \"'expres'\"}}", "'expres' is not a value of enum(express, normal); did you mean 'express'?"),
        ("task: {name: ship, input: {mode: \"'normal'\", also: \"['fast']\"}}", "'fast'"),
        ("raise: {event: go, data: {mode: \"'slow'\"}}", "'slow' is not a value of"),
        ('task: {name: ship, input: {mode: "1"}}', "is integer; expected enum"),
        ('task: {name: ship, input: {mode: "modes"}}', "expected enum"),
    ],
)
def test_quoted_enum_values_in_task_input_and_event_data(
    tmp_path: Path, entry: str, problem: str | None
) -> None:
    path = tmp_path / "chart.yaml"
    path.write_text(ENUMS.replace("{entry}", entry), encoding="utf-8")
    result = validate_path(path, stage=Stage.MODEL)
    found = [f"{d.code} {d.message}" for d in result.diagnostics]
    if problem is None:
        assert result.chart is not None and found == []
    else:
        assert len(found) == 1 and found[0].startswith("E314") and problem in found[0], found
