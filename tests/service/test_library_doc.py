"""docs/library.md is executable: its ``>>>`` examples run as doctests."""

from __future__ import annotations

import doctest
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "library.md"


def test_library_doc_examples_run() -> None:
    result = doctest.testfile(
        str(DOC),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        globs={"Decimal": __import__("decimal").Decimal},
    )
    assert result.attempted > 10
    assert result.failed == 0
