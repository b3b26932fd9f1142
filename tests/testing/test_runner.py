"""The scenario runner, data-driven: cases/pass/* must pass; cases/fail/* must fail with
the report in the matching ``.expected`` file (each line must appear, in order)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.testing import ScenarioRunner

CASES = Path(__file__).parent / "cases"
PASSING = sorted((CASES / "pass").glob("*.scenario.yaml"))
FAILING = sorted((CASES / "fail").glob("*.scenario.yaml"))


@pytest.mark.parametrize("path", PASSING, ids=[p.name for p in PASSING])
def test_passing_scenarios_pass(path: Path) -> None:
    result = ScenarioRunner().run_file(path)
    assert result.passed, "\n".join(f.format() for f in result.failures)
    assert result.steps > 0 and result.chart
    assert result.status == ("xfail" if result.xfail else "pass")
    assert bool(result.expected_failures) == bool(result.xfail)


def report(path: Path) -> str:
    result = ScenarioRunner().run_file(path)
    assert not result.passed
    text = "\n".join(f.format() for f in result.failures)
    return text.replace(str(path.parent) + "/", "").replace(str(path), path.name)


@pytest.mark.parametrize("path", FAILING, ids=[p.name for p in FAILING])
def test_failing_scenarios_show_a_readable_diff(path: Path) -> None:
    text = report(path)
    expected = path.with_name(path.name.replace(".scenario.yaml", ".expected")).read_text()
    lines = text.splitlines()
    at = 0
    for want in (w for w in expected.splitlines() if w.strip()):
        while at < len(lines) and want not in lines[at]:
            at += 1
        assert at < len(lines), f"missing line {want!r} in report:\n{text}"
        at += 1


def test_a_wrong_expectation_fails_exactly_as_documented() -> None:
    path = CASES / "fail" / "wrong-expectations.scenario.yaml"
    expected = path.with_name("wrong-expectations.expected").read_text()
    assert report(path) == expected.rstrip("\n")


def test_coverage_counts_states_and_transitions() -> None:
    runner = ScenarioRunner()
    runner.run_file(CASES / "pass" / "refusal.scenario.yaml")
    cov = runner.coverage.charts["test.order"]
    assert cov.states == {"pending", "expired"}
    assert cov.unvisited_states() == ["approved", "paid", "cancelled"]
    assert cov.transitions_total == 6
    untaken = [t.describe() for t in cov.untaken_transitions()]
    assert "pending --pay--> paid" in untaken and len(untaken) == 5
    report_text = runner.coverage.report()
    assert report_text.splitlines()[0] == "test.order: states 2/5, transitions 1/6"
    assert "states never visited: approved, paid, cancelled" in report_text


def test_a_chart_that_does_not_load_is_a_failure(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("id: x\nversion: 1\nstates: {a: {on: {go: nowhere}}}\n")
    (tmp_path / "s.scenario.yaml").write_text("chart: bad.yaml\nsteps: []\n")
    result = ScenarioRunner().run_file(tmp_path / "s.scenario.yaml")
    (failure,) = result.failures
    assert "does not load" in failure.message and failure.details
    assert failure.span is not None and failure.span.line == 1


def test_a_bad_context_is_reported_at_the_context(tmp_path: Path) -> None:
    chart = CASES.parent / "charts" / "order.yaml"
    (tmp_path / "s.scenario.yaml").write_text(
        f"chart: {chart}\ncontext:\n  total: lots\nsteps: []\n"
    )
    (failure,) = ScenarioRunner().run_file(tmp_path / "s.scenario.yaml").failures
    assert "does not start" in failure.message and "total" in failure.message
    assert failure.span is not None and failure.span.line == 3
