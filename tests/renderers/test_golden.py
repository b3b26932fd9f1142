"""Golden DOT and Mermaid output for every shipped chart and the large fixture.

A change in the output is either a bug or an improvement: look at the diff, and if it
is an improvement, regenerate with ``STATEWISE_UPDATE_GOLDEN=1 pytest tests/renderers``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.model import Chart
from renderers import render_dot, render_mermaid

GOLDEN = Path(__file__).parent / "golden"


def _check(path: Path, actual: str, update: bool) -> None:
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"golden file {path.name} is missing; run with STATEWISE_UPDATE_GOLDEN=1")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"{path.name} differs from the golden file; if the change is intended, "
        "regenerate with STATEWISE_UPDATE_GOLDEN=1"
    )


def test_dot_matches_golden(
    any_chart: Path, load: Callable[[Path], Chart], update_golden: bool
) -> None:
    chart = load(any_chart)
    _check(GOLDEN / f"{chart.id}.dot", render_dot(chart), update_golden)


def test_mermaid_matches_golden(
    any_chart: Path, load: Callable[[Path], Chart], update_golden: bool
) -> None:
    chart = load(any_chart)
    _check(GOLDEN / f"{chart.id}.mmd", render_mermaid(chart), update_golden)


def test_no_stale_golden_files(all_charts: list[Path]) -> None:
    ids = set()
    for path in all_charts:  # read the ids from the text: this must not depend on loading
        match = re.search(r"^id:\s*(\S+)", path.read_text(encoding="utf-8"), re.MULTILINE)
        assert match, f"{path} has no id"
        ids.add(match.group(1))
    stale = [f.name for f in GOLDEN.iterdir() if f.suffix in (".dot", ".mmd") and f.stem not in ids]
    assert not stale, f"golden files of charts that no longer exist: {stale}"
