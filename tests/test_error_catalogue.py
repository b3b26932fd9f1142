"""Every diagnostic code the code can emit has a documented row in docs/errors.md."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _emitted() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "engine").rglob("*.py"):
        codes.update(re.findall(r'"([EW][0-9]{3})"', path.read_text(encoding="utf-8")))
    return codes


def _documented() -> set[str]:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| ([EW][0-9]{3}) \|", text, flags=re.M))


def test_every_emitted_code_is_documented() -> None:
    missing = sorted(_emitted() - _documented())
    assert not missing, f"codes without a row in docs/errors.md: {missing}"


def test_severity_column_matches_the_code_letter() -> None:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for code, severity in re.findall(r"^\| ([EW][0-9]{3}) \| (\w+) \|", text, flags=re.M):
        assert severity == ("error" if code[0] == "E" else "warning"), code
