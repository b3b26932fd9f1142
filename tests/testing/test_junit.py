"""JUnit XML is valid against the common JUnit schema (Apache Ant's, tests/cases/junit/), and a
scenario's time does not include loading its chart."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import xmlschema

from engine.cli import main
from engine.testing import ScenarioRunner
from engine.testing.junit import junit_xml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = xmlschema.XMLSchema(ROOT / "tests" / "cases" / "junit" / "JUnit.xsd")
CASES = Path(__file__).parent / "cases"


def test_the_report_of_passing_failing_and_xfail_scenarios_is_valid(tmp_path: Path) -> None:
    report = tmp_path / "results.xml"
    assert main(["test", str(CASES), "--junit-xml", str(report), "-q"]) == 1
    SCHEMA.validate(str(report))  # raises with the offending element when it is not
    suite = SCHEMA.to_dict(str(report))["testsuite"][0]
    assert suite["@tests"] == 10 and suite["@failures"] == 4 and suite["@skipped"] == 1


def test_the_shipped_scenarios_report_is_valid(tmp_path: Path) -> None:
    report = tmp_path / "shipped.xml"
    main(["test", str(ROOT / "definitions"), "--junit-xml", str(report), "-q", "--no-coverage"])
    SCHEMA.validate(str(report))


def test_an_empty_run_is_valid() -> None:
    SCHEMA.validate(junit_xml([]))


def test_loading_the_chart_is_not_counted_in_the_first_scenarios_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import engine.loader

    real = engine.loader.load_chart

    def slow(*args: object, **kw: object) -> object:
        time.sleep(0.5)  # a big chart
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(engine.loader, "load_chart", slow)
    runner = ScenarioRunner()
    first, second = (runner.run_file(p) for p in sorted((CASES / "pass").glob("*.yaml"))[:2])
    assert first.passed and second.passed
    assert first.seconds < 0.5 and runner.loading >= 0.5
