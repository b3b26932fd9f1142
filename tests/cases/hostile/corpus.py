"""Materialise the hostile definitions of ``cases.yaml`` into a folder.

Shared by the unit test (tests/loader/test_hostile_corpus.py) and the benchmark
(bench/bench_hostile.py). Each case becomes ``<folder>/definitions/`` (the chart is
``chart.yaml`` in it) beside ``<folder>/outside/``, which holds files the chart must not be
able to read (``secret.txt``, ``secret.yaml``, both containing :data:`SECRET`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["CASES_FILE", "SECRET", "Case", "load_cases", "materialize"]

CASES_FILE = Path(__file__).with_name("cases.yaml")
#: what the files outside the definitions folder hold; no output may contain it
SECRET = "HOSTILE-CORPUS-SECRET-7f3a"

_HEAD = "id: hostile\nversion: 1\n"


@dataclass(frozen=True)
class Case:
    name: str
    why: str
    exit: int
    codes: tuple[str, ...]
    files: dict[str, str | bytes] = field(default_factory=dict)
    generate: dict[str, Any] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    fifos: tuple[str, ...] = ()


def load_cases() -> list[Case]:
    raw = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    return [
        Case(
            name=c["name"],
            why=c["why"],
            exit=c["expect"]["exit"],
            codes=tuple(c["expect"]["codes"]),
            files=c.get("files") or {},
            generate=c.get("generate") or {},
            links=c.get("links") or {},
            fifos=tuple(c.get("fifos") or ()),
        )
        for c in raw
    ]


def materialize(case: Case, folder: Path) -> Path:
    """Write the case under ``folder``; returns the chart file to validate."""
    outside = folder / "outside"
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.txt").write_text(f"{SECRET} password=hunter2\n", encoding="utf-8")
    (outside / "secret.yaml").write_text(f"fragment: true\n{SECRET}: [\n", encoding="utf-8")
    defs = folder / "definitions"
    defs.mkdir(parents=True, exist_ok=True)
    if case.generate:
        _GENERATORS[case.generate["kind"]](defs, **case.generate)
    for name, content in case.files.items():
        path = defs / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    for name, target in case.links.items():
        (defs / name).symlink_to(target.format(outside=outside))
    for name in case.fifos:
        os.mkfifo(defs / name)
    return defs / "chart.yaml"


# -- generators ----------------------------------------------------------------------------


def _template(
    defs: Path,
    *,
    body: str | None = None,
    body_file: str | None = None,
    big_file: str | None = None,
    megabytes: float = 0,
    **_: Any,
) -> None:
    source = f"body_file: {body_file}" if body_file else f"body: {_quoted(body or '')}"
    (defs / "chart.yaml").write_text(
        _HEAD
        + "events: {go: {}}\n"
        + "states:\n"
        + "  a:\n"
        + "    entry:\n"
        + "      - notify: {template: m, channel: email, to: [\"'ann@example.com'\"]}\n"
        + "    on: {go: b}\n"
        + "  b: {type: final}\n"
        + "templates:\n"
        + f"  m:\n    subject: hello\n    {source}\n",
        encoding="utf-8",
    )
    if big_file:
        (defs / big_file).write_text("x" * int(megabytes * 1024 * 1024), encoding="utf-8")


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fan_out(defs: Path, *, levels: int, **_: Any) -> None:
    (defs / "chart.yaml").write_text(
        _HEAD + "include: [f0.yaml, ./f0.yaml]\nstates:\n  a: {type: final}\n", encoding="utf-8"
    )
    for i in range(levels):
        nxt = f"f{i + 1}.yaml"
        inc = f"include: [{nxt}, ./{nxt}]\n" if i < levels - 1 else ""
        (defs / f"f{i}.yaml").write_text(
            f"fragment: true\n{inc}context:\n  c{i}: string\n", encoding="utf-8"
        )


def _big_yaml(defs: Path, *, megabytes: float, **_: Any) -> None:
    line = "  - just another list item\n"
    with (defs / "chart.yaml").open("w", encoding="utf-8") as f:
        f.write(_HEAD + "states:\n  a: {type: final}\nmetadata:\n  filler:\n")
        f.write(line * int(megabytes * 1024 * 1024 / len(line)))


def _many_nodes(defs: Path, *, items: int, **_: Any) -> None:
    (defs / "chart.yaml").write_text(
        _HEAD + "states:\n  a: {type: final}\nmetadata: {m: [" + ",".join("1" * items) + "]}\n",
        encoding="utf-8",
    )


def _laughs(defs: Path, *, levels: int, **_: Any) -> None:
    lines = [_HEAD + "states:\n  a: {type: final}\nmetadata:", "  a0: &a0 [lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    (defs / "chart.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _deep_alias(defs: Path, *, depth: int, aliases: int, **_: Any) -> None:
    anchor = "[" * depth + "1" + "]" * depth
    refs = ", ".join(["*deep"] * aliases)
    (defs / "chart.yaml").write_text(
        _HEAD + f"states:\n  a: {{type: final}}\nmetadata:\n  d: &deep {anchor}\n  r: [{refs}]\n",
        encoding="utf-8",
    )


def _nesting(defs: Path, *, depth: int, **_: Any) -> None:
    (defs / "chart.yaml").write_text(
        _HEAD + "states:\n  a: {type: final}\nmetadata: " + "[" * depth + "]" * depth + "\n",
        encoding="utf-8",
    )


def _huge_integer(defs: Path, *, digits: int, **_: Any) -> None:
    (defs / "chart.yaml").write_text(
        _HEAD + f"context: {{n: {{type: integer, default: {'9' * digits}}}}}\n"
        "states:\n  a: {type: final}\n",
        encoding="utf-8",
    )


def _big_guard(defs: Path, *, megabytes: float, **_: Any) -> None:
    terms = int(megabytes * 1024 * 1024 / 4)
    guard = " + ".join(["n"] * terms) + " > 0"
    (defs / "chart.yaml").write_text(
        _HEAD + "context: {n: integer}\nevents: {go: {}}\nstates:\n  a:\n    on:\n"
        f"      go: {{target: b, guard: '{guard}'}}\n  b: {{type: final}}\n",
        encoding="utf-8",
    )


def _many_guards(defs: Path, *, count: int, **_: Any) -> None:
    events = "".join(f"  e{i}: {{}}\n" for i in range(count))
    moves = "".join(f"      e{i}: {{target: b, guard: n + {i} > 0}}\n" for i in range(count))
    (defs / "chart.yaml").write_text(
        _HEAD
        + "context: {n: integer}\nevents:\n"
        + events
        + "states:\n  a:\n    on:\n"
        + moves
        + "  b: {type: final}\n",
        encoding="utf-8",
    )


_GENERATORS = {
    "template": _template,
    "fan_out": _fan_out,
    "big_yaml": _big_yaml,
    "many_nodes": _many_nodes,
    "laughs": _laughs,
    "deep_alias": _deep_alias,
    "nesting": _nesting,
    "huge_integer": _huge_integer,
    "big_guard": _big_guard,
    "many_guards": _many_guards,
}
