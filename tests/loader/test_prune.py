"""Stage 3b: what the schema rejects is left out, and the later checks run on the rest.

The stand-ins fit the schema, follow-on errors are not reported, and no mutation of a
real chart can make the loader fail instead of reporting (random, seeded mutations of the
shipped definitions).
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.discovery import find_files, is_chart_file
from engine.loader import Stage, validate_path
from engine.loader.prune import _STUBS, prune
from engine.loader.schema import check_schema, is_valid
from engine.loader.yaml_source import parse_yaml

ROOT = Path(__file__).resolve().parents[2]
CHARTS = [
    Path(p)
    for p in find_files([str(ROOT / "definitions")], is_chart_file)[0]
    if "fragments" not in Path(p).parts
]


def codes(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    return [d.code for d in sorted(validate_path(path).diagnostics, key=lambda d: d.sort_key())]


def test_every_stand_in_fits_the_schema() -> None:
    base: dict[str, Any] = {"id": "x", "version": 1, "states": {"a": {}}}
    for section, stub in _STUBS.items():
        data = dict(base)
        data[section] = (
            {**data.get(section, {}), "stub": stub} if section == "states" else {"stub": stub}
        )
        assert is_valid(data), section


HEAD = "id: demo\nversion: 1\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # a broken state stays a state: the target naming it resolves
        ("states:\n  a:\n    on: {go: b}\n  b: 5\n", ["E103", "W410"]),
        # a field with a broken type stays declared: the guard using it is fine
        (
            "context:\n  n: {type: integr}\nstates:\n  a:\n    always:\n"
            "      - {target: b, guard: n > 1}\n  b: {}\n",
            ["E104", "W410"],
        ),
        # a broken calendar stays declared: the timer naming it reports nothing more
        (
            "calendars:\n  c: {timezone: UTC, days: [mon], opens: 9, closes: '17:00'}\n"
            "states:\n  a:\n    after: [{delay: 1h, calendar: c, target: b}]\n  b: {}\n",
            ["E103", "W410"],
        ),
        # a missing id or version is stood in for; the model is still checked
        ("version: 1\nstates:\n  a:\n    on: {go: nowhere}\n", ["E102", "E301", "W410"]),
        # without states there is nothing to build: the note says so
        ("context: {}\n", ["E102", "W320"]),
    ],
)
def test_follow_on_errors_are_not_reported(tmp_path: Path, body: str, expected: list[str]) -> None:
    text = body if body.startswith("version") else HEAD + body
    assert codes(text, tmp_path) == expected


def test_list_items_keep_their_index(tmp_path: Path) -> None:
    text = (
        HEAD + "states:\n  a:\n    entry:\n      - {raise: x, log: \"'two'\"}\n"
        "      - {assign: {nope: 1}}\n"
    )
    path = tmp_path / "c.yaml"
    path.write_text(text)
    found = {d.code: d for d in validate_path(path).diagnostics}
    assert found["E107"].path == "states.a.entry[0]"
    assert found["E205"].path == "states.a.entry[1].assign.nope"
    assert found["E205"].span is not None and found["E205"].span.line == 7


def test_pruning_leaves_a_schema_valid_document() -> None:
    doc, _ = parse_yaml(HEAD + "states:\n  a:\n    tpye: final\n    on: 5\n  b.c: {}\n", "x")
    assert doc is not None
    _, broken = check_schema(doc)
    pruned = prune(doc, broken)
    assert pruned is not None and is_valid(pruned.doc.data)
    assert pruned.doc.data["states"] == {"a": {}}
    assert doc.data["states"]["a"]["on"] == 5  # the original is untouched


_BAD_VALUES: list[Any] = [12345, "??", [], {}, None, True, {"zz": 1}, ["x", {"y": 2}]]


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*path, i))
    return out


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


@pytest.mark.parametrize("chart", CHARTS, ids=lambda p: p.stem)
def test_mutated_charts_are_reported_never_crash(chart: Path, tmp_path: Path) -> None:
    rng = random.Random(chart.name)
    folder = tmp_path / "flow"
    shutil.copytree(chart.parent, folder)  # fragments and template files come along
    original = yaml.safe_load(chart.read_text(encoding="utf-8"))
    paths = [p for p in _paths(original) if p and p[0] != "include"]
    for _ in range(6):
        data = yaml.safe_load(chart.read_text(encoding="utf-8"))
        for path in rng.sample(paths, k=min(3, len(paths))):
            try:
                _set(data, path, rng.choice(_BAD_VALUES))
            except (KeyError, IndexError, TypeError):
                continue  # an earlier mutation replaced a parent
        target = folder / chart.relative_to(chart.parent).with_suffix(".mutated.yaml")
        target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        result = validate_path(target, stage=Stage.ALL)
        assert isinstance(result.diagnostics, list)
