"""The broken-definitions corpus: each tests/cases/invalid/NAME.yaml has one (or a few)
deliberate mistakes, and NAME.expected lists the ``LINE:COL: CODE`` lines that
``statewise validate --format text`` must report for it, sorted by position (a note that
checks did not run, W320 or W410, last), without the file name (diagnostics inside
another file, such as an included fragment, keep that file's path relative to the corpus
folder: ``fragments/x.yaml:3:11: E007``). The ``multi_*`` cases plant mistakes for several
stages (YAML, schema, model, expressions, templates, graph) and expect all of them from
one run.

The positions are where a careful person would point: the column of the actual mistake,
not whatever the tool prints today. Fragments used by the cases live in ``fragments/`` and
are not cases themselves.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from engine.cli import main

CORPUS = Path(__file__).parent / "cases" / "invalid"
CASES = sorted(CORPUS.glob("*.yaml"))

#: Cases where the tool is known to point elsewhere, agreed with the lead (none so far).
KNOWN_WRONG: frozenset[str] = frozenset()


def _reported(path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    main(["validate", "--format", "json", str(path)])
    rows = json.loads(capsys.readouterr().out)["diagnostics"]
    lines = []
    for row in rows:
        file = Path(row["file"]).resolve() if row["file"] else path.resolve()
        prefix = (
            "" if file == path.resolve() else f"{file.relative_to(CORPUS.resolve()).as_posix()}:"
        )
        lines.append(f"{prefix}{row['line']}:{row['column']}: {row['code']}")
    return lines


def test_corpus_is_complete() -> None:
    assert len(CASES) >= 45
    assert len([p for p in CASES if p.stem.startswith("multi_")]) >= 6
    missing = [p.name for p in CASES if not p.with_suffix(".expected").is_file()]
    orphans = [p.name for p in CORPUS.glob("*.expected") if not p.with_suffix(".yaml").is_file()]
    assert (missing, orphans) == ([], [])


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_invalid_definition(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if path.stem in KNOWN_WRONG:
        pytest.xfail("the tool points at a different place; see KNOWN_WRONG")
    expected = path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    actual = _reported(path, capsys)
    if actual != expected:
        diff = "\n".join(
            difflib.unified_diff(expected, actual, "expected", "reported", lineterm="")
        )
        source = path.read_text(encoding="utf-8").splitlines()
        shown = "\n".join(f"{i:>4} | {line}" for i, line in enumerate(source, 1))
        pytest.fail(f"{path.name}: diagnostics differ\n{diff}\n\n{shown}", pytrace=False)
