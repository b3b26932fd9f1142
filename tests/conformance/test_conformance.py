"""The ported W3C SCXML 1.0 IRP tests: each chart must end in its `pass` final state.

The charts live next to this file as ``test<NNN>.yaml`` (the W3C number); each starts with
a comment giving the original test's purpose and any adaptation. docs/semantics.md lists
them, and the tests we skipped with the reason.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.loader import load_chart
from engine.model import Chart
from engine.runtime import Interpreter
from tests.conformance.runner import run_to_completion

HERE = Path(__file__).parent
CASES = sorted(HERE.glob("test*.yaml"))


def _number(path: Path) -> str:
    match = re.fullmatch(r"test(\d+[a-z]?)\.yaml", path.name)
    assert match, f"{path.name}: expected test<NNN>.yaml"
    return match.group(1)


def _chart(path: Path) -> Chart:
    return load_chart(path)


def test_at_least_sixty_ported() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_header(path: Path) -> None:
    first = path.read_text().splitlines()[0]
    assert first.startswith(f"# W3C SCXML IRP test {_number(path)}:"), first


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_ends_in_pass(path: Path) -> None:
    chart = _chart(path)
    assert dict(chart.metadata) == {"w3c": _number(path), "feature": chart.metadata["feature"]}
    trace = run_to_completion(chart, interpreter=Interpreter(chart))
    final = trace.final
    assert final.done, f"stuck in {sorted(final.configuration)} after {trace.events}"
    assert final.configuration == frozenset({"pass"}), (
        f"ended in {sorted(final.configuration)} after {trace.events}"
    )
    assert not final.timers, "a finished instance keeps no timers"
