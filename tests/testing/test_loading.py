"""Reading scenario files: every problem with its code and position."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from engine.testing import ScenarioError, load_scenario, parse_scenario
from engine.testing.scenario import (
    AdvanceStep,
    ExpectRefusedStep,
    ExpectStep,
    NoteStep,
    SendStep,
    StartStep,
    Target,
    TaskStep,
)

CHART = (Path(__file__).parent / "charts" / "order.yaml").as_posix()


def parse(body: str) -> object:
    return parse_scenario(f"chart: {CHART}\n{body}", "/tmp/x.scenario.yaml")


def test_every_step_kind_is_read() -> None:
    sc = parse(
        """start: 2026-01-05T09:00:00+01:00
key: K
context: {total: 10.50}
steps:
  - send: pay
  - send: {event: cancel, roles: admin, note: n, actor: a, client_note: c, instance: X, data: {a: 1.25}}
  - advance: 10m
  - advance: {to: "2026-01-06T00:00:00Z"}
  - task: {name: t, result: {ok: true}}
  - task: {name: t, error: boom}
  - note: hello
  - start: {key: K2, context: {total: 1}}
  - expect: {configuration: paid, roles: [a], instance: {chart: c, key: K}}
  - expect_refused: {event: pay, blocker: guard_false}
"""
    )
    assert sc.start == datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    assert sc.context == {"total": Decimal("10.50")}  # type: ignore[attr-defined]
    steps = sc.steps  # type: ignore[attr-defined]
    assert steps[0] == SendStep("pay", span=steps[0].span)
    assert steps[1].roles == ("admin",) and steps[1].instance == Target("X")
    assert steps[1].data == {"a": Decimal("1.25")}
    assert isinstance(steps[2], AdvanceStep) and steps[2].delta == timedelta(minutes=10)
    assert steps[3].to == datetime(2026, 1, 6, tzinfo=UTC)
    assert isinstance(steps[4], TaskStep) and steps[4].result == {"ok": True}
    assert steps[5].error == "boom"
    assert isinstance(steps[6], NoteStep) and steps[6].text == "hello"
    assert isinstance(steps[7], StartStep) and steps[7].key == "K2" and steps[7].chart is None
    assert isinstance(steps[8], ExpectStep) and steps[8].instance == Target("K", "c")
    assert steps[8].checks == {"configuration": "paid"} and steps[8].roles == ("a",)
    assert isinstance(steps[9], ExpectRefusedStep) and steps[9].blocker == "guard_false"
    assert steps[9].span is not None and steps[9].span.line == 15


@pytest.mark.parametrize(
    ("body", "code", "line", "col", "text"),
    [
        ("steps:\n  - jump: x\n", "S106", 3, 5, "a step is a mapping with one of"),
        ("steps:\n  - send: {event: pay, colour: red}\n", "S101", 3, 24, "unknown key 'colour'"),
        ("steps:\n  - send: {data: {}}\n", "S102", 3, 11, "event is required"),
        ("steps:\n  - advance: soon\n", "S104", 3, 14, "'soon' is not a duration"),
        ("start: yesterday\nsteps: []\n", "S104", 2, 8, "is not a timestamp"),
        ("start: 2026-01-05T09:00:00\nsteps: []\n", "S104", 2, 8, "no time zone"),
        ("steps:\n  - task: {name: t}\n", "S102", 3, 11, "exactly one of result and error"),
        ("steps:\n  - expect: {colour: red}\n", "S101", 3, 14, "unknown key 'colour'"),
        ("steps:\n  - expect: {done: maybe}\n", "S103", 3, 20, "done must be true or false"),
        ("steps:\n  - expect: {history: start}\n", "S103", 3, 23, "history must be a list"),
        ("context: [1]\nsteps: []\n", "S103", 2, 10, "context must be a mapping"),
        ("charts: [nope.yaml]\nsteps: []\n", "S105", 2, 10, "chart file 'nope.yaml' not found"),
        ("", "S102", 1, 1, "steps must be a list"),
        ("steps: [\n", "E001", 3, 1, "YAML syntax error"),
    ],
)
def test_problems_are_reported_with_code_and_position(
    body: str, code: str, line: int, col: int, text: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse(body)
    found = [d for d in caught.value.diagnostics if d.code == code]
    assert found, caught.value.diagnostics
    assert found[0].span is not None and (found[0].span.line, found[0].span.col) == (line, col)
    assert text in found[0].message


def test_every_problem_is_collected() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse("colour: red\nsteps:\n  - jump: 1\n  - advance: soon\n")
    assert [d.code for d in caught.value.diagnostics] == ["S101", "S106", "S104"]


def test_a_missing_chart_and_an_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="chart is required"):
        parse_scenario("steps: []\n", str(tmp_path / "s.scenario.yaml"))
    with pytest.raises(ScenarioError, match="cannot read file"):
        load_scenario(tmp_path / "missing.scenario.yaml")
