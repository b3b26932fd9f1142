"""The fast path of ``Interpreter.step`` (engine/runtime/fast.py) changes nothing.

Every step is taken twice, by an interpreter as it is and by one that never takes the fast
path, and the two results must be equal (or fail the same way): over the W3C conformance
charts, the data-driven runtime cases and every scenario of the shipped definitions. Then
the cases the fast path must leave to the general algorithm, one by one.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

import engine.service.registry as registry_module
from engine.errors import StatewiseError
from engine.loader import load_chart
from engine.model import Chart
from engine.runtime import (
    ActionFailed,
    CancelTimer,
    Event,
    EventRefused,
    InstanceInfo,
    Interpreter,
    LogEntry,
    MacroStep,
    MicrostepLimitExceeded,
    RuleBroken,
    Snapshot,
)
from engine.testing import ScenarioRunner
from tests.conformance.runner import run_to_completion
from tests.runtime.helpers import T0, Machine, chart, instance

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = sorted((ROOT / "tests" / "conformance").glob("test*.yaml"))
SCENARIOS = sorted((ROOT / "definitions").glob("*/scenarios/*.scenario.yaml"))
CASES = sorted((ROOT / "tests" / "runtime" / "cases").glob("*.yaml"))


class Counted:
    """How many steps the fast path took: steps that did not go the general way."""

    steps = 0
    general = 0

    @classmethod
    def taken(cls) -> int:
        return cls.steps - cls.general


@pytest.fixture(autouse=True)
def count_fast_steps(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Counted]]:
    step, general_step = Interpreter.step, Interpreter._general

    def counting_step(self: Interpreter, *args: Any, **kw: Any) -> MacroStep:
        if not getattr(self, "always_general", False):
            Counted.steps += 1
        return step(self, *args, **kw)

    def counting_general(self: Interpreter, *args: Any) -> MacroStep:
        if not getattr(self, "always_general", False):
            Counted.general += 1
        return general_step(self, *args)

    Counted.steps = Counted.general = 0
    monkeypatch.setattr(Interpreter, "step", counting_step)
    monkeypatch.setattr(Interpreter, "_general", counting_general)
    yield Counted


def general(chart: Chart, **kw: Any) -> Interpreter:
    """An interpreter that always takes the general algorithm."""
    interp = Interpreter(chart, **kw)
    interp._moves = lambda info, name: ()  # type: ignore[method-assign]
    interp.always_general = True  # type: ignore[attr-defined]
    return interp


class Checked(Interpreter):
    """Takes every step both ways and checks that the results are equal."""

    def __init__(self, chart: Chart, **kw: Any) -> None:
        super().__init__(chart, **kw)
        self.general = general(chart, **kw)

    def step(
        self, snapshot: Snapshot, event: Event, now: datetime, *, instance: InstanceInfo
    ) -> MacroStep:
        try:
            expected = self.general.step(snapshot, event, now, instance=instance)
        except StatewiseError as exc:
            with pytest.raises(type(exc)) as caught:
                super().step(snapshot, event, now, instance=instance)
            assert str(caught.value) == str(exc)
            raise
        got = super().step(snapshot, event, now, instance=instance)
        assert got == expected
        assert got.before is snapshot
        return got


@pytest.mark.parametrize("path", CONFORMANCE, ids=[p.stem for p in CONFORMANCE])
def test_conformance_charts_take_equal_steps(path: Path) -> None:
    c = load_chart(path)
    trace = run_to_completion(c, interpreter=Checked(c))
    assert trace.final.configuration == frozenset({"pass"})


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_runtime_cases_take_equal_steps(path: Path) -> None:
    for case in yaml.safe_load(path.read_text()):
        c = chart(case["chart"], f"<{case['name']}>")
        interp = Checked(c)
        first, *rest = case["steps"]
        snapshot = interp.start(first.get("start") or {}, T0, instance=instance(c)).after
        for n, step in enumerate(rest, start=2):
            event = Event(step["event"], step.get("data") or {})
            try:
                snapshot = interp.step(snapshot, event, T0, instance=instance(c, n)).after
            except EventRefused:
                assert "refused" in step


def test_every_definition_scenario_takes_equal_steps(
    monkeypatch: pytest.MonkeyPatch, count_fast_steps: type[Counted]
) -> None:
    monkeypatch.setattr(registry_module, "Interpreter", Checked)
    runner = ScenarioRunner()
    for path in SCENARIOS:
        result = runner.run_file(path)
        assert result.passed or result.status == "xfail", [f.format() for f in result.failures]
    assert count_fast_steps.taken() > 50  # the shipped charts do take the fast path


ORDER = """
id: t.order
version: 1
context:
  total: decimal
  limit: decimal
  paid: {type: integer, default: 0}
  note: {type: string, optional: true}
rules:
  - check: paid <= 1
    message: paid at most once
states:
  pending:
    on:
      pay:
        target: paid
        guard: total <= limit
        actions:
          - if: not In('pending')
            then: [{assign: {paid: paid + 1}}]
      repay:
        target: paid
        actions: [{assign: {paid: paid + 2}}]
      touch:
        actions: [{assign: {note: "'touched'"}}]
      peek:
        guard: In('pending') and note == 'x'
        target: paid
      divide:
        guard: total / 0 > 1
        target: paid
  paid:
    on: {ship: done}
  done:
    type: final
"""


def test_the_common_steps_take_the_fast_path(count_fast_steps: type[Counted]) -> None:
    m = Machine(ORDER, {"total": "10", "limit": "20"})
    m.interp = Checked(m.chart)
    m.send("touch")
    assert m.snapshot.context["note"] == "touched" and m.config == {"pending"}
    m.send("pay")
    assert m.snapshot.context["paid"] == 1 and m.config == {"paid"}
    m.send("ship")
    assert m.snapshot.done
    assert count_fast_steps.taken() == 3


def test_a_fast_step_into_a_final_state_forgets_the_calls_waiting(
    count_fast_steps: type[Counted],
) -> None:
    """A finished instance waits for no task outcome, whichever path finished it."""
    m = Machine(ORDER, {"total": "10", "limit": "20"})
    m.interp = Checked(m.chart)
    m.send("pay")
    m.snapshot = dataclasses.replace(m.snapshot, calls={"i-1:check:1": "check"})
    m.send("ship")
    assert m.snapshot.done and dict(m.snapshot.calls or {}) == {}
    assert count_fast_steps.taken() == 2


def test_a_guard_error_is_logged_by_the_general_path(count_fast_steps: type[Counted]) -> None:
    m = Machine(ORDER, {"total": "10", "limit": "20"})
    m.interp = Checked(m.chart)
    with pytest.raises(EventRefused):
        m.send("divide")
    assert count_fast_steps.taken() == 0


def test_rules_are_checked_on_the_fast_path() -> None:
    m = Machine(ORDER, {"total": "10", "limit": "20"})
    m.interp = Checked(m.chart)
    with pytest.raises(RuleBroken):
        m.send("repay")
    assert m.config == {"pending"}  # nothing changed


def test_in_state_reads_the_configuration_of_the_moment() -> None:
    m = Machine(ORDER, {"total": "10", "limit": "20", "note": "x"})
    m.interp = Checked(m.chart)
    m.send("peek")  # In('pending') is true in the guard
    assert m.config == {"paid"}
    m = Machine(ORDER, {"total": "10", "limit": "20"})
    m.interp = Checked(m.chart)
    m.send("pay")  # In('pending') is false in the actions: pending was exited
    assert m.snapshot.context["paid"] == 1


def test_an_action_that_fails_fails_the_step_on_the_fast_path() -> None:
    m = Machine(
        """
        id: t.fail
        version: 1
        context: {n: decimal, d: {type: decimal, default: 0}}
        states:
          a:
            on:
              go: {target: b, actions: [{assign: {n: n / d}}]}
          b: {}
        """,
        {"n": 1},
    )
    m.interp = Checked(m.chart)
    with pytest.raises(ActionFailed):
        m.send("go")


MANUAL = """
id: t.manual
version: 1
states:
  a:
    on:
      approve:
        target: b
        manual: {label: Approve, roles: [boss], note_required: true}
      approve_any: b
  b: {}
"""


def test_manual_transitions_check_roles_and_notes(count_fast_steps: type[Counted]) -> None:
    m = Machine(MANUAL)
    m.interp = Checked(m.chart)
    with pytest.raises(EventRefused):
        m.send("approve", roles=frozenset({"clerk"}), note="ok")
    with pytest.raises(EventRefused):
        m.send("approve", roles=frozenset({"boss"}))
    m.send("approve", roles=frozenset({"boss"}), note="ok")
    assert m.config == {"b"}
    assert count_fast_steps.taken() == 1


GENERAL_ONLY = """
id: t.general
version: 1
states:
  s:
    on:
      go: b
      jump: c
      split: p
      wait: a
      remind: {actions: [{send: {event: ping, delay: 1h, id: reminder}}]}
      finish: end
  a:
    after:
      - {delay: 1h, target: late}
  late:
    on: {again: a}
  b:
    entry: [{log: "'entered b'"}]
  c:
    always: [{target: b}]
  end: {type: final}
  p:
    type: parallel
    states:
      left:
        initial: l1
        states:
          l1: {on: {both: l2}}
          l2: {}
      right:
        initial: r1
        states:
          r1: {on: {both: r2}}
          r2: {}
"""


@pytest.mark.parametrize(
    ("events", "fast", "why"),
    [
        (["go"], 0, "entry actions"),
        (["jump"], 0, "an eventless transition in the target configuration"),
        (["split", "both"], 1, "two regions: a conflict-free set of two transitions"),
        (["wait"], 0, "a timer starts on entry"),
        (["wait", "after.a.0", "again"], 0, "a timer event; exit cancels a timer"),
        (["remind", "finish"], 0, "a send; the end cancels the pending timer"),
    ],
)
def test_what_the_fast_path_leaves_to_the_general_one(
    events: list[str], fast: int, why: str, count_fast_steps: type[Counted]
) -> None:
    m = Machine(GENERAL_ONLY)
    m.interp = Checked(m.chart)
    for name in events:
        origin = "timer" if name.startswith("after.") else "external"
        if origin == "timer":
            m.now += timedelta(hours=1)
        m.send(name, origin=origin)
    assert count_fast_steps.taken() == fast, why
    if events[-1] == "finish":
        assert m.snapshot.done and not m.snapshot.timers
        assert CancelTimer("reminder") in m.last.effects


def test_microsteps_are_shared_between_steps_of_the_same_event() -> None:
    c = chart(ORDER)
    interp = Interpreter(c)
    ship = Event("ship")
    firsts = []
    for n in range(2):
        info = InstanceInfo(f"i{n}", None, c.id, 1)
        s = interp.start({"total": 1, "limit": 2}, T0, instance=info).after
        s = interp.step(s, Event("pay"), T0, instance=info).after
        firsts.append(interp.step(s, ship, T0, instance=info))
    assert firsts[0].microsteps is firsts[1].microsteps
    assert firsts[0].microsteps[0].event is ship
    other = Event("ship")
    info = InstanceInfo("i9", None, c.id, 1)
    s = interp.start({"total": 1, "limit": 2}, T0, instance=info).after
    s = interp.step(s, Event("pay"), T0, instance=info).after
    assert interp.step(s, other, T0, instance=info).microsteps[0].event is other


def test_a_limit_of_no_microstep_holds_on_the_fast_path() -> None:
    m = Machine(ORDER, {"total": "10", "limit": "20"})
    strict = Interpreter(m.chart, max_microsteps=0)
    with pytest.raises(MicrostepLimitExceeded):
        strict.step(m.snapshot, Event("touch"), T0, instance=m.info())


def test_a_general_step_leaves_no_reference_cycle() -> None:
    """The run's scope holds a Where, not a bound method of the run: no cycle, so a step
    leaves nothing for the garbage collector."""
    m = Machine(GENERAL_ONLY)
    m.interp = general(m.chart)
    gc.collect()
    gc.disable()
    try:
        m.send("go")  # logs on entry: the general path
        assert m.last.effects and isinstance(m.last.effects[-1], LogEntry)
        assert gc.collect() == 0
    finally:
        gc.enable()
