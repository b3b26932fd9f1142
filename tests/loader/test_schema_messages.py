"""Stage 3: schema problems become diagnostics at the offending key, with what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.loader import Stage, validate_path


@pytest.mark.parametrize(
    ("text", "expected", "words"),
    [
        ("id: d\nversion: 1\nstates:\n  a:\n    tpye: final\n", "5:5: E101", "did you mean 'type'"),
        (
            "id: d\nversion: 1\nstates:\n  a:\n    type: paralel\n",
            "5:11: E104",
            "did you mean 'parallel'",
        ),
        ("id: d\nstates:\n  a: {}\n", "1:1: E102", "'version'"),
        ("id: d\nversion: one\nstates:\n  a: {}\n", "2:10: E103", "whole number"),
        ("id: d\nversion: 1\nstates:\n  a.b: {}\n", "4:3: E105", "no dots"),
        (
            "id: d\nversion: 1\nstates:\n  a:\n    entry:\n      - asign: {x: 1}\n",
            "6:9: E101",
            "'assign'",
        ),
    ],
)
def test_schema_diagnostics(tmp_path: Path, text: str, expected: str, words: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    result = validate_path(path, stage=Stage.SCHEMA)
    got = [
        (f"{d.span.line}:{d.span.col}: {d.code}", d.message) for d in result.diagnostics if d.span
    ]
    assert [g for g, _ in got] == [expected]
    assert words in got[0][1]
