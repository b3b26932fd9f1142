"""Every code block of README.md and docs/**/*.md runs as written (docs/flows/ is generated).

The convention (docs/testing.md, "Writing runnable docs"):

* Every fenced block names its language. Blocks that only show something use ``text``
  (or ``json``, ``yaml``, ``dot``, ``mermaid``, ``toml``...).
* ``python``: a complete program, run on its own (fresh globals).
* ``pycon``: ``>>>`` examples, run with doctest; the pycon blocks of one page share their
  names, in order, so a page can tell a story in several blocks.
* ``console`` / ``sh``: each ``$ statewise ...`` line is run with the installed command (by
  bash, so ``"$ITEM"`` is expanded from variables a python block of the page set) and what
  follows it, up to the next ``$`` line, is compared with its output (standard output and
  error together). In the expected output a line ``...`` stands for any number of
  lines and ``...`` inside a line for any text; trailing spaces do not count. The exit code
  must be 0 or 1 (1: the command reported problems, as documented); instance ids match any
  id; ``$ echo $?`` shows the exit code of the command before it. ``$ python bench/...``
  lines run that script of the repository. Other commands (``make``, ``pip``) and lines
  without ``$`` are shown, not run.
* ``yaml``: must parse; a chart (``id`` and ``states``) must load without errors, a scenario
  (``chart`` and ``steps``) must read; ``json`` must parse.

Blocks of one page run in order in one working folder: a fresh temporary folder holding a
copy of ``definitions/``. So ``load_chart("definitions/ustore/email_item.yaml")`` works, and
a database one block creates (``sqlite:///orders.db``) is there for the next.
"""

from __future__ import annotations

import doctest
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
STATEWISE = str(Path(sys.executable).with_name("statewise"))
RUN = ("python", "pycon", "console", "sh", "shell", "bash", "yaml", "json")
SHOWN = (
    "text", "dot", "mermaid", "toml", "ini", "diff", "jinja", "html", "sql", "lua", "jsonc",
    "vim", "xml", "dockerfile", "csv", "http",
)  # fmt: skip

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    lang: str
    text: str

    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def pages() -> list[Path]:
    docs = sorted(p for p in (ROOT / "docs").rglob("*.md") if "flows" not in p.parts)
    return [ROOT / "README.md", *docs]


def blocks(page: Path) -> list[Block]:
    out: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None:
            i += 1
            continue
        indent, fence, info = m.groups()
        end = i + 1
        while end < len(lines) and not lines[end].strip().startswith(fence[0] * len(fence)):
            end += 1
        body = [
            line[len(indent) :] if line.startswith(indent) else line for line in lines[i + 1 : end]
        ]
        lang = info.strip().split()[0].lower() if info.strip() else ""
        out.append(Block(page, i + 1, lang, "\n".join(body) + "\n"))
        i = end + 1
    return out


# -- running ---------------------------------------------------------------------------------


def _run_python(block: Block, cwd: Path) -> None:
    code = compile(block.text, block.where(), "exec")
    exec(code, {"__name__": "__main__", "__file__": block.where()})


def _run_pycon(block: Block, globs: dict[str, object]) -> None:
    test = doctest.DocTestParser().get_doctest(block.text, globs, block.where(), block.where(), 0)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    runner = doctest.DocTestRunner(optionflags=flags)
    report: list[str] = []
    runner.run(test, out=report.append, clear_globs=False)
    globs.update(test.globs)  # DocTest works on a copy; the page's next block goes on from here
    if runner.failures:
        pytest.fail(f"{block.where()}: {runner.failures} example(s) failed:\n{''.join(report)}")


def _commands(text: str) -> Iterator[tuple[str, list[str]]]:
    """(command, expected output lines) for each ``$`` line of a console block."""
    command: str | None = None
    expected: list[str] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            if command is not None:
                yield command, expected
            command, expected = line[2:], []
        elif command is not None:
            expected.append(line)
    if command is not None:
        yield command, expected


#: an instance id: new on every run, so any id matches any other
_ID = re.compile(r"\b1[0-9a-f]{26}\b")


def _matches(expected: list[str], actual: list[str]) -> bool:
    """Line-wise match; a line ``...`` is any lines, ``...`` in a line any text; instance
    ids match each other."""
    expected = [_ID.sub("<id>", e.rstrip()) for e in expected]
    while expected and not expected[-1]:
        expected.pop()
    actual = [_ID.sub("<id>", a.rstrip()) for a in actual]
    while actual and not actual[-1]:
        actual.pop()

    def line_ok(e: str, a: str) -> bool:
        pattern = ".*".join(re.escape(part) for part in e.split("..."))
        return re.fullmatch(pattern, a) is not None

    def go(i: int, j: int) -> bool:
        if i == len(expected):
            return j == len(actual)
        if expected[i].strip() == "...":
            return any(go(i + 1, k) for k in range(j, len(actual) + 1))
        return j < len(actual) and line_ok(expected[i], actual[j]) and go(i + 1, j + 1)

    return go(0, 0)


def _run_console(block: Block, cwd: Path) -> int:
    ran = 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEWISE_")}
    env.update(PYTHONUNBUFFERED="1", COLUMNS="100", PYTHONPATH=str(cwd))
    env["PATH"] = os.pathsep.join((str(Path(STATEWISE).parent), env.get("PATH", "")))
    last = 0
    for command, expected in _commands(block.text):
        if command.strip() == "echo $?":  # the exit code of the command before
            assert [e.strip() for e in expected if e.strip()] == [str(last)], block.where()
            continue
        if not command.startswith(("statewise ", "python bench/")):
            continue  # make, pip, export ...: shown, not run
        done = subprocess.run(
            ["bash", "-c", command],  # as a reader would type it: "$ITEM" is expanded
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
        )
        ran += 1
        last = done.returncode
        assert done.returncode in (0, 1), (
            f"{block.where()}: `{command}` exited {done.returncode}:\n{done.stdout[-2000:]}"
        )
        actual = done.stdout.splitlines()
        assert _matches(expected, actual), (
            f"{block.where()}: `{command}` printed\n{done.stdout[-3000:]}\n"
            f"but the page shows\n" + "\n".join(expected)
        )
    return ran


def _check_yaml(block: Block, cwd: Path) -> None:
    try:
        data = yaml.safe_load(block.text)
    except yaml.YAMLError as exc:
        pytest.fail(f"{block.where()}: not YAML: {exc}")
    if not isinstance(data, dict):
        return
    if "states" in data and "id" in data:
        from engine.loader import load_text

        load_text(block.text, str(cwd / "definitions" / "example.yaml"))
    elif "chart" in data and "steps" in data:
        from engine.testing.loading import parse_scenario

        head = block.text.splitlines()[0]
        where = head[1:].strip() if head.startswith("#") else "definitions/example.scenario.yaml"
        parse_scenario(block.text, str(cwd / where))


# -- the tests -------------------------------------------------------------------------------


def _needs_dot(found: list[Block]) -> bool:
    """A page that draws SVG, PNG or PDF needs the Graphviz ``dot`` program."""
    drawn = re.compile(r"statewise (render|diff|docs)\b(?!.*(--format (dot|mermaid)|--no-svg))")
    return any(
        b.lang in ("console", "sh") and any(drawn.search(c) for c, _ in _commands(b.text))
        for b in found
    ) or any(b.lang == "python" and 'render(chart, "svg")' in b.text for b in found)


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_block_of_the_page_runs(page: Path, tmp_path: Path) -> None:
    found = blocks(page)
    if _needs_dot(found) and shutil.which("dot") is None:
        if os.environ.get("STATEWISE_REQUIRE_DOT") == "1":
            pytest.fail("dot program not installed, and STATEWISE_REQUIRE_DOT=1 requires it")
        pytest.skip("dot program not installed (the page draws SVG or PNG)")
    unnamed = [b.where() for b in found if not b.lang]
    assert not unnamed, f"code blocks without a language (use ```text to only show): {unnamed}"
    unknown = [f"{b.where()} ({b.lang})" for b in found if b.lang not in RUN + SHOWN]
    assert not unknown, f"unknown block languages: {unknown}; see docs/testing.md"
    shutil.copytree(ROOT / "definitions", tmp_path / "definitions")
    (tmp_path / "bench").symlink_to(ROOT / "bench")  # `$ python bench/...` lines
    here, environ = Path.cwd(), dict(os.environ)
    os.chdir(tmp_path)
    sys.path.insert(0, str(tmp_path))
    globs: dict[str, object] = {}
    try:
        for block in found:
            if block.lang == "python":
                _run_python(block, tmp_path)
            elif block.lang == "pycon":
                _run_pycon(block, globs)
            elif block.lang in ("console", "sh", "shell", "bash"):
                _run_console(block, tmp_path)
            elif block.lang == "yaml":
                _check_yaml(block, tmp_path)
            elif block.lang == "json":
                json.loads(block.text)
    finally:
        os.chdir(here)
        os.environ.clear()
        os.environ.update(environ)  # a page may set variables for its commands ($ITEM)
        sys.path.remove(str(tmp_path))


def test_the_matcher() -> None:
    assert _matches(["a", "...", "z"], ["a", "b", "c", "z"])
    assert _matches(["a", "...", "z"], ["a", "z"])
    assert _matches(["id ... done"], ["id 1a2b done"])
    assert not _matches(["a", "z"], ["a", "b", "z"])
    assert not _matches(["exact"], ["exactly"])
    assert [c for c, _ in _commands("$ statewise a\nout\n$ make b\n")] == ["statewise a", "make b"]
