"""`statewise demo` lives through a Yes!Cart order on the shipped charts."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_the_order_to_completion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--definitions", str(ROOT / "definitions")]) == 0
    out = capsys.readouterr().out
    assert "order is in: In progress [os.in.progress]" in out
    assert "delivery 100042-2 is in: Shipped [ds.shipped]" in out
    assert "order is in: Completed [os.completed]" in out
    assert "refused: 'Return order' needs one of the roles" in out
    assert "✉ email to ann@example.com: Your order 100042 has been received" in out


def test_demo_without_definitions_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["demo", "--definitions", str(tmp_path)]) == 2
