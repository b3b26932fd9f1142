"""docs/replay.md stays true: its Python blocks run as written, and its console blocks give
the output shown (instance ids, which are new on every run, aside)."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
from pathlib import Path

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "replay.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", DOC, re.S)
ID = re.compile(r"\b1[0-9a-f]{26}\b")


def python_blocks() -> list[str]:
    return [body for lang, body in BLOCKS if lang == "python"]


def commands() -> list[tuple[list[str], str]]:
    """Each ``$ statewise ...`` command of the console blocks with the output shown."""
    out = []
    for lang, body in BLOCKS:
        if lang != "console":
            continue
        for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
            line, _, shown = chunk.partition("\n")
            out.append((shlex.split(line), shown))
    return out


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(argv)
    return code, out.getvalue()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "definitions" / "yescart", tmp_path / "definitions" / "yescart")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_demo_day_example(folder: Path) -> None:
    exec(python_blocks()[0], {})  # the candidate
    assert (folder / "candidate" / "order.yaml").is_file()
    checked = 0
    last = 0
    for argv, shown in commands():
        if argv[0] == "echo":
            assert shown.strip() == str(last)
            continue
        if argv[0] != "statewise" or "URL" in argv or "sqlite:///orders.db" in argv:
            continue  # the synopsis; the bigger day (below)
        if argv[1] == "demo":
            assert run(argv[1:])[0] == 0
            continue
        last, out = run(argv[1:])
        assert ID.sub("ID", out) == ID.sub("ID", shown), " ".join(argv)
        checked += 1
    assert checked == 3  # diff, replay of the order, replay of the deliveries


def test_the_bigger_day_example(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    sys.path.insert(0, str(ROOT))
    try:
        from bench.yescart_orders import main as write_day
    finally:
        sys.path.remove(str(ROOT))
    exec(python_blocks()[0], {})
    ((make, made),) = [(a, s) for a, s in commands() if a[0] == "python"]
    assert write_day(make[2:]) == 0 and capsys.readouterr().out == made
    ((argv, shown),) = [
        (a, s) for a, s in commands() if a[0] == "statewise" and "sqlite:///orders.db" in a
    ]
    pipe = argv.index("|")
    lines = int(argv[pipe + 2].lstrip("-"))
    code, out = run(argv[1:pipe])
    assert code == 1
    head = "".join(out.splitlines(keepends=True)[:lines])
    assert ID.sub("ID", head) == ID.sub("ID", shown)
    assert (folder / "replay.svg").read_text(encoding="utf-8").startswith("<?xml")


def test_the_library_example(capsys: pytest.CaptureFixture[str]) -> None:
    body = python_blocks()[1]
    exec(body, {})
    shown = DOC.split(body, 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    assert capsys.readouterr().out == shown
