"""`statewise demo` from the command line: what it refuses, and with which exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli import main

# missing or incomplete flows and numbers out of range: tests/cli/test_robustness.py


def test_a_used_database_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'day.db'}"
    args = ["demo", "--orders", "4", "--no-progress", "--db", url, "--out", str(tmp_path / "o")]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 1
    assert "already holds instances; the demo needs an empty database" in capsys.readouterr().err
