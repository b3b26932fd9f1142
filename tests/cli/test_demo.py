"""`statewise demo` from the command line: what it refuses, and with which exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli import main


def test_missing_flows_are_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--definitions", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "needs the charts" in capsys.readouterr().err


def test_bad_numbers_are_a_usage_error(tmp_path: Path) -> None:
    assert main(["demo", "--orders", "0", "--out", str(tmp_path)]) == 2
    assert main(["demo", "--workers", "-1", "--out", str(tmp_path)]) == 2


def test_a_used_database_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'day.db'}"
    args = ["demo", "--orders", "4", "--no-progress", "--db", url, "--out", str(tmp_path / "o")]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 1
    assert "already holds instances; the demo needs an empty database" in capsys.readouterr().err
