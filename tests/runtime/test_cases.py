"""Data-driven semantics tests: every case in tests/runtime/cases/*.yaml.

A case is a chart (YAML text) and a list of steps. The first step is ``start`` (the start
context); each later step sends ``event`` (with optional ``data``). A step may expect:
``configuration`` (state ids, any order), ``exited``/``entered`` (in order, over all
microsteps), ``microsteps`` (how many), ``log`` (the messages of ``log`` actions, in
order), ``history`` (history state id -> recorded ids), ``context`` (a subset),
``timers`` (pending timer ids), ``done``, or ``refused`` (a blocker code; the snapshot
then stays as it was).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.runtime import Event, EventRefused, Interpreter, MacroStep, Snapshot
from tests.runtime.helpers import T0, chart, instance, logs

CASES_DIR = Path(__file__).parent / "cases"


def _cases() -> list[Any]:
    found = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            found.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return found


def _check(step: dict[str, Any], macro: MacroStep) -> None:
    after = macro.after
    if "configuration" in step:
        assert set(after.configuration) == set(step["configuration"])
    if "exited" in step:
        assert list(macro.exited) == step["exited"]
    if "entered" in step:
        assert list(macro.entered) == step["entered"]
    if "microsteps" in step:
        assert len(macro.microsteps) == step["microsteps"]
    if "log" in step:
        assert logs(macro) == step["log"]
    if "history" in step:
        assert {k: list(v) for k, v in after.history.items()} == step["history"]
    if "context" in step:
        for key, value in step["context"].items():
            assert after.context[key] == value, key
    if "timers" in step:
        assert sorted(after.timers) == sorted(step["timers"])
    if "done" in step:
        assert after.done is step["done"]


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    c = chart(case["chart"], f"<{case['name']}>")
    interp = Interpreter(c)
    first, *rest = case["steps"]
    macro = interp.start(first.get("start") or {}, T0, instance=instance(c))
    _check(first, macro)
    snapshot: Snapshot = macro.after
    for n, step in enumerate(rest, start=2):
        event = Event(step["event"], step.get("data") or {})
        if "refused" in step:
            with pytest.raises(EventRefused) as info:
                interp.step(snapshot, event, T0, instance=instance(c, n))
            assert step["refused"] in [b.code for b in info.value.blockers]
            continue
        macro = interp.step(snapshot, event, T0, instance=instance(c, n))
        _check(step, macro)
        snapshot = macro.after
