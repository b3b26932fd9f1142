"""The expression docs stay true: examples run, every code and function is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.expr import default_functions
from engine.expr.codes import CODES

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_is_documented(code: str) -> None:
    errors = (DOCS / "errors.md").read_text()
    section = errors.split("## E2xx: expressions", 1)[1].split("\n## ", 1)[0]
    assert f"| {code} |" in section
    assert f"| {code} |" in (DOCS / "expressions.md").read_text()


@pytest.mark.parametrize("name", default_functions().names())
def test_every_builtin_is_documented(name: str) -> None:
    function = default_functions().get(name)
    assert function is not None
    assert f"`{function.describe()}`" in (DOCS / "expressions.md").read_text().replace("\\|", "|")
