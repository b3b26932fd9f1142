"""Failures leave the instance exactly as it was: the input snapshot is never changed."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from engine.errors import EvaluationError
from engine.runtime import (
    ActionFailed,
    ContextError,
    Event,
    Interpreter,
    MicrostepLimitExceeded,
)
from tests.runtime.helpers import T0, Machine, chart, instance, snapshot_copy

FAILING = """
id: t.failing
version: 1
context:
  count: {type: integer, default: 0}
  ratio: {type: decimal, optional: true}
  seen: {type: integer, default: 0}
  nested: {type: record, fields: {n: integer}, default: {n: 0}}
states:
  s:
    initial: a
    after:
      - {delay: 1h, target: s}
    on:
      crash:
        target: broken
        actions:
          - assign: {seen: seen + 1, nested.n: 5}
          - cancel: later
    states:
      h: {type: history, history: deep}
      a:
        entry:
          - send: {event: tick, delay: 2h, id: later}
  broken:
    entry:
      - assign: {ratio: 1 / count}
"""


def test_an_action_that_raises_aborts_the_macrostep_and_changes_nothing() -> None:
    m = Machine(FAILING)
    before = m.snapshot
    frozen = snapshot_copy(before)
    deep = copy.deepcopy((dict(before.context), dict(before.history), dict(before.timers)))
    with pytest.raises(ActionFailed) as info:
        m.interp.step(before, Event("crash"), T0, instance=m.info())
    assert isinstance(info.value.cause, EvaluationError)
    assert "division by zero" in str(info.value)
    assert "entry of state 'broken'" in str(info.value)
    # the exit of `s` recorded history, cancelled timers and the transition assigned
    # context values before the failure: none of it reached the input snapshot
    assert snapshot_copy(before) == frozen
    assert (dict(before.context), dict(before.history), dict(before.timers)) == deep
    assert set(before.timers) == {"s#0", "later"}


def test_a_successful_step_does_not_change_its_input_either() -> None:
    m = Machine(FAILING, {"count": 2})
    before = m.snapshot
    frozen = snapshot_copy(before)
    step = m.interp.step(before, Event("crash"), T0, instance=m.info())
    assert step.before is before
    assert snapshot_copy(before) == frozen
    assert step.after.context["ratio"] == Decimal("0.5")
    assert step.after.context["nested"] == {"n": 5} and before.context["nested"] == {"n": 0}
    assert step.after.history == {"s.h": ("s.a",)}


LOOP = """
id: t.loop
version: 1
states:
  a:
    on:
      ping:
        target: a
        actions: [raise: ping]
"""


def test_a_raise_loop_exceeds_the_microstep_limit() -> None:
    c = chart(LOOP)
    interp = Interpreter(c, max_microsteps=50)
    before = interp.start({}, T0, instance=instance(c)).after
    frozen = snapshot_copy(before)
    with pytest.raises(MicrostepLimitExceeded) as info:
        interp.step(before, Event("ping"), T0, instance=instance(c))
    assert info.value.limit == 50
    assert info.value.event == Event("ping")
    assert "a --ping--> a" in str(info.value)
    assert snapshot_copy(before) == frozen


def test_the_limit_counts_every_microstep_of_the_macrostep() -> None:
    c = chart(
        """
        id: t.chain
        version: 1
        states:
          a: {always: [b]}
          b: {always: [c]}
          c: {always: [d]}
          d: {}
        """
    )
    assert Interpreter(c, max_microsteps=4).start(
        {}, T0, instance=instance(c)
    ).after.configuration == {"d"}
    with pytest.raises(MicrostepLimitExceeded):
        Interpreter(c, max_microsteps=3).start({}, T0, instance=instance(c))


def test_a_bad_start_context_lists_every_problem() -> None:
    c = chart(
        """
        id: t.context
        version: 1
        context:
          total: decimal
          name: string
          count: {type: integer, default: 0}
        states:
          a: {}
        """
    )
    with pytest.raises(ContextError) as info:
        Interpreter(c).start({"total": "abc", "colour": "red"}, T0, instance=instance(c))
    problems = info.value.problems
    assert len(problems) == 3
    assert any("unknown field 'colour'" in p for p in problems)
    assert any("missing field 'name'" in p for p in problems)
    assert any(p.startswith("total:") for p in problems)
