"""docs/integrations.md stays true: its Python blocks run as written, in an empty folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", DOC, re.S)


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_python_block_runs(number: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    exec(
        compile(BLOCKS[number], f"integrations.md block {number + 1}", "exec"), {"__name__": "doc"}
    )


def test_there_are_examples() -> None:
    assert len(BLOCKS) == 4
