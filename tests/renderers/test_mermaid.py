"""Mermaid output: checked structurally, and by the Mermaid CLI (``mmdc``) when installed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.errors import DefinitionError
from engine.loader import load_text
from engine.model import Chart
from renderers import render_mermaid

_STATEMENT = re.compile(
    r"""^(
        stateDiagram-v2
      | %%.*
      | direction\ (TB|LR)
      | classDef\ \w+\ .+
      | class\ \w+\ \w+
      | state\ "[^"]*"\ as\ \w+
      | state\ \w+\ \{
      | \}
      | --
      | (\[\*\]|\w+)\ -->\ (\[\*\]|\w+)(\ :\ [^\n]+)?
      | \w+\ :\ [^\n]+
      | note\ right\ of\ \w+
      | end\ note
    )$""",
    re.VERBOSE,
)


def check_structure(text: str) -> None:
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    declared: list[str] = []
    blocks: list[str] = []
    in_note = False
    for raw in lines:
        line = raw.strip()
        if in_note:
            in_note = line != "end note"
            continue
        assert _STATEMENT.match(line), f"not a Mermaid state-diagram statement: {line!r}"
        bare = re.sub(r"#\d+;", "", line.split(" : ", 1)[-1] if " : " in line else line)
        assert ";" not in bare and "#" not in bare.lstrip("%"), f"unescaped text: {line!r}"
        if line.startswith("note right of"):
            in_note = True
        elif m := re.match(r'state "[^"]*" as (\w+)$', line):
            declared.append(m.group(1))
        elif m := re.match(r"state (\w+) \{$", line):
            assert m.group(1) in declared
            blocks.append(m.group(1))
        elif line == "}":
            blocks.pop()
        elif line == "--":
            assert blocks, "a region separator outside a composite state"
    assert not blocks, "unbalanced braces"
    assert len(declared) == len(set(declared)), "a state declared twice"
    for line in lines:
        if m := re.match(r"\s*(\[\*\]|\w+) --> (\[\*\]|\w+)", line):
            for end in m.groups():
                assert end == "[*]" or end in declared, f"undeclared state {end} in {line!r}"


def test_shipped_charts_are_valid_mermaid(any_chart: Path, load: Callable[[Path], Chart]) -> None:
    check_structure(render_mermaid(load(any_chart)))


SMALL = """\
id: mm.demo
version: 1
context:
  ok: {type: boolean, default: false}
events:
  feed.update: {source: integration}
states:
  idle:
    label: "Idle; waiting #1"
    on:
      start: {target: work, manual: {label: Start, roles: [clerk]}, guard: "ok and 1 < 2"}
  work:
    type: parallel
    states:
      left:
        initial: a
        states:
          a:
            on:
              feed.update: b
          b: {type: final}
          h: {type: history, history: deep, target: b}
      right:
        states:
          c:
            after:
              - {delay: 10m, target: d}
          d: {type: final}
    on:
      done.state.work: finished
  finished:
    type: final
"""


def test_small_chart_text() -> None:
    text = render_mermaid(load_text(SMALL))
    check_structure(text)
    assert "state work {" in text
    assert "\n            --\n" in text or "\n        --\n" in text
    assert "[*] --> idle" in text
    assert 'state "H*" as h' in text
    assert "h --> b : default" in text
    assert "idle --> work : Start (manual) [ok and 1 #60; 2]" in text
    assert "c --> d : after 10m" in text
    assert "finished --> [*]" in text
    assert 'state "Idle#59; waiting #35;1" as idle' in text


def _browser() -> str | None:
    for candidate in (
        os.environ.get("PUPPETEER_EXECUTABLE_PATH"),
        "chromium",
        "chromium-browser",
        "google-chrome",
    ):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


def test_mermaid_cli_renders_every_chart(
    all_charts: list[Path], load: Callable[[Path], Chart], tmp_path: Path
) -> None:
    mmdc, browser = shutil.which("mmdc"), _browser()
    if mmdc is None or browser is None:
        reason = (
            "mmdc (npm @mermaid-js/mermaid-cli) not installed"
            if mmdc is None
            else "no Chromium for mmdc"
        )
        if os.environ.get("STATEWISE_REQUIRE_MERMAID") == "1":
            pytest.fail(f"{reason}; STATEWISE_REQUIRE_MERMAID=1 requires the Mermaid CLI")
        print(f"skipped: {reason}")
        pytest.skip(reason=f"the Mermaid CLI is not installed here: {reason}")
    config = tmp_path / "puppeteer.json"
    config.write_text(json.dumps({"executablePath": browser, "args": ["--no-sandbox"]}))
    doc = tmp_path / "all.md"
    texts = [render_mermaid(load_text(SMALL))]
    for path in all_charts:
        try:
            texts.append(render_mermaid(load(path)))
        except DefinitionError:
            continue  # reported by the per-chart tests
    doc.write_text("".join(f"```mermaid\n{t}```\n\n" for t in texts), encoding="utf-8")
    result = subprocess.run(
        [mmdc, "-p", str(config), "-i", str(doc), "-o", str(tmp_path / "out.md")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(list(tmp_path.glob("out-*.svg"))) == len(texts)
