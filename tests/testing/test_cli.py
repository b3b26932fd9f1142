"""``statewise test``: exit codes, output, JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from engine.cli import main

CASES = Path(__file__).parent / "cases"


def test_all_passing_exits_0_with_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(CASES / "pass")]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "\nFAIL" not in out
    assert "coverage:" in out and "test.order: states" in out
    assert out.rstrip().endswith("5 passed, 0 failed, 1 xfailed")
    assert "XFAIL" in out and "the chart cannot pay twice" in out


def test_any_failure_exits_1_and_writes_junit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "results.xml"
    code = main(["test", str(CASES), "--junit-xml", str(junit), "-q"])
    assert code == 1
    out = capsys.readouterr().out
    assert "PASS" not in out and "FAIL" in out and "Traceback" not in out
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "10" and suite.get("failures") == "4"
    assert suite.get("skipped") == "1"
    failed = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    assert {c.get("name") for c in failed} == {
        "taken-not-refused",
        "unexpected-refusal",
        "wrong-expectations",
        "xpass",
    }
    wrong = next(c for c in failed if c.get("name") == "wrong-expectations")
    text = wrong.find("failure").text or ""  # type: ignore[union-attr]
    assert "- cancelled" in text and "+ paid" in text


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "no/such/path"]) == 2
    for args in (["test"], ["test", "--bogus", "x"]):
        with pytest.raises(SystemExit) as caught:
            main(args)
        assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "no such file or folder: no/such/path" in err and "Traceback" not in err


def test_a_folder_without_scenarios_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["test", str(tmp_path)]) == 2


def test_a_malformed_scenario_is_a_failure_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.scenario.yaml"
    bad.write_text("chart: missing.yaml\nsteps:\n  - jump: 1\n")
    assert main(["test", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:1:8: chart file 'missing.yaml' not found" in out
    assert f"{bad}:3:5: a step is a mapping" in out
