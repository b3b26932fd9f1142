"""The hostile definitions corpus (tests/cases/hostile/cases.yaml): every case is refused
with the right exit code and error codes, or loads; no output shows a file from outside the
definitions folder. Time and memory bounds are checked by bench/bench_hostile.py, not here."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli import main
from engine.loader import validate_path
from tests.cases.hostile.corpus import SECRET, Case, load_cases, materialize

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_definition(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chart = materialize(case, tmp_path)
    code = main(["validate", str(chart)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err
    assert SECRET not in out + err
    assert code == case.exit, out + err
    errors = sorted({d.code for d in validate_path(chart).diagnostics if d.is_error})
    assert errors == sorted(case.codes)


def test_the_corpus_covers_the_issue() -> None:
    names = {c.name for c in CASES}
    for wanted in (
        "template-power-in-false-branch",
        "include-fan-out",
        "body-file-dev-stdin",
        "body-file-dev-zero",
        "yaml-50-mb",
        "yaml-deep-anchor-aliased",
        "guard-10-mb",
    ):
        assert wanted in names
