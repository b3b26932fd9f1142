"""Every scenario shipped next to the definitions passes (or fails as its ``xfail`` says).

The scenarios reproduce the acceptance scenarios of the research notes (yescart-osm.md §9.1,
seed-systems.md A.8, B.8, C.8) against the shipped charts; see docs/testing.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.testing import ScenarioRunner

DEFINITIONS = Path(__file__).resolve().parents[1] / "definitions"
SCENARIOS = sorted(DEFINITIONS.glob("*/scenarios/*.scenario.yaml"))


@pytest.fixture(scope="module")
def runner() -> ScenarioRunner:
    return ScenarioRunner()  # charts are loaded once and shared by every scenario


def test_there_are_scenarios_for_every_system() -> None:
    systems = {p.parent.parent.name for p in SCENARIOS}
    assert systems == {"yescart", "ustore", "collect", "ats"}
    assert len(SCENARIOS) >= 25


@pytest.mark.parametrize(
    "path", SCENARIOS, ids=[f"{p.parent.parent.name}/{p.name}" for p in SCENARIOS]
)
def test_definition_scenario(path: Path, runner: ScenarioRunner) -> None:
    result = runner.run_file(path)
    report = "\n".join(f.format() for f in result.failures)
    assert result.passed, report
    if result.status == "xfail":
        pytest.xfail(result.xfail or "")
