"""Every chart under tests/cases/analysis/ yields exactly the diagnostics its header lists.

A case is a YAML chart whose leading comments hold one ``# expect: LINE:COL CODE`` line
per expected diagnostic (none for a clean chart).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.loader import validate_path

CASES = Path(__file__).parent.parent / "cases" / "analysis"
_EXPECT = re.compile(r"^# expect: (\d+:\d+ [EW]\d{3})\s*$", re.MULTILINE)


def _expected(path: Path) -> list[str]:
    return _EXPECT.findall(path.read_text(encoding="utf-8"))


def _actual(path: Path) -> list[str]:
    result = validate_path(path)
    assert result.chart is not None, [d.format() for d in result.diagnostics]
    return [
        f"{d.span.line}:{d.span.col} {d.code}" if d.span else f"?:? {d.code}"
        for d in sorted(result.diagnostics, key=lambda d: d.sort_key())
    ]


@pytest.mark.parametrize("path", sorted(CASES.glob("*.yaml")), ids=lambda p: p.stem)
def test_case(path: Path) -> None:
    assert _actual(path) == _expected(path)


def test_every_code_is_covered() -> None:
    codes = {e.split()[1] for p in CASES.glob("*.yaml") for e in _expected(p)}
    assert codes >= {"W401", "W402", "E403", "W403", "W404", "W405", "W406", "W407", "W408", "W409"}
