"""`statewise render`, `diff` and `docs`: outputs, exit codes, the missing-dot path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main

REPO = Path(__file__).resolve().parents[2]
EMAIL = str(REPO / "definitions" / "ustore" / "email_item.yaml")

CHART = """\
id: cli.demo
version: 1
context:
  total: decimal
states:
  open:
    on:
      pay: {target: paid, guard: total > 0, manual: {label: Pay, roles: [clerk]}}
  paid:
    type: final
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def no_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_render_dot_and_mermaid_to_stdout(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["render", EMAIL, "--format", "dot"]) == 0
    assert capsysbinary.readouterr().out.startswith(b"// ustore.email_item v1\ndigraph")
    assert main(["render", EMAIL, "--format", "mermaid"]) == 0
    assert capsysbinary.readouterr().out.startswith(b"stateDiagram-v2\n")


def test_render_format_from_suffix(dot: None, tmp_path: Path) -> None:
    for name, magic in (
        ("c.svg", b"<?xml"),
        ("c.png", b"\x89PNG"),
        ("c.pdf", b"%PDF"),
        ("c.gv", b"//"),
    ):
        out = tmp_path / name
        assert main(["render", EMAIL, "-o", str(out)]) == 0
        assert out.read_bytes().startswith(magic), name


def test_missing_dot_says_how_to_install(
    no_dot: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["render", EMAIL, "-o", str(tmp_path / "c.svg")]) == 1
    err = capsys.readouterr().err
    assert "'dot' program is not installed" in err
    assert "apt-get install graphviz" in err and "brew install graphviz" in err
    assert not (tmp_path / "c.svg").exists()
    # DOT and Mermaid need no dot program
    assert main(["render", EMAIL, "--format", "dot", "-o", str(tmp_path / "c.dot")]) == 0
    assert main(["render", EMAIL, "--format", "mermaid", "-o", str(tmp_path / "c.mmd")]) == 0
    assert main(["docs", EMAIL, "-o", str(tmp_path / "pages")]) == 1
    assert "apt-get install graphviz" in capsys.readouterr().err
    assert main(["docs", EMAIL, "-o", str(tmp_path / "pages"), "--no-svg"]) == 0


def test_missing_dot_in_a_real_process_has_no_traceback(tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "render",
            EMAIL,
            "--format",
            "png",
            "-o",
            str(tmp_path / "x.png"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    assert "apt-get install graphviz" in result.stderr and "Traceback" not in result.stderr


def test_render_stored_instance_needs_its_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # drawing a stored instance is tested with real databases in tests/ops/test_commands.py
    missing = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["render", EMAIL, "--instance", "42", "--db", missing]) == 1
    assert "no such database file" in capsys.readouterr().err
    assert main(["render", EMAIL, "--instance", "42"]) == 2
    assert "--db" in capsys.readouterr().err


def test_definition_errors_are_reported_like_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, "bad.yaml", CHART.replace("total > 0", "totl > 0"))
    assert main(["validate", bad]) == 1
    reported = capsys.readouterr().out
    assert "unknown name 'totl'" in reported and "^" in reported
    assert main(["render", bad, "--format", "dot"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(reported)  # the same lines, source excerpt included
    assert main(["docs", bad, "-o", str(tmp_path / "pages")]) == 1
    assert capsys.readouterr().err.startswith(reported)
    assert main(["render", str(tmp_path / "nope.yaml")]) == 2


def test_history_overlay(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    chart = write(tmp_path, "c.yaml", CHART)
    rows = [
        {
            "event": "pay",
            "from_states": ["open"],
            "to_states": ["paid"],
            "time": "2026-01-01T10:00:00Z",
        }
    ]
    history = write(tmp_path, "h.json", json.dumps(rows))
    assert main(["render", chart, "--format", "dot", "--history", history]) == 0
    out = capsysbinary.readouterr().out.decode()
    assert "Instance path: 1 steps" in out and "#1" in out
    heat = write(tmp_path, "many.json", json.dumps({"a": rows, "b": rows}))
    assert main(["render", chart, "--format", "dot", "--heatmap", heat]) == 0
    assert "Heat map: 2 instances" in capsysbinary.readouterr().out.decode()
    broken = write(tmp_path, "broken.json", '[{"event": "pay"}]')
    assert main(["render", chart, "--format", "dot", "--history", broken]) == 1
    assert main(["render", chart, "--format", "mermaid", "--history", history]) == 2


def test_diff_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = write(tmp_path, "v1.yaml", CHART)
    new = write(
        tmp_path,
        "v2.yaml",
        CHART.replace("version: 1", "version: 2").replace("[clerk]", "[clerk, boss]"),
    )
    assert main(["diff", old, new, "-o", str(tmp_path / "d.dot")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## cli.demo: version 1 → 2")
    assert "roles: added `boss`" in out
    assert "changed" in (tmp_path / "d.dot").read_text(encoding="utf-8")


def test_docs_command_skips_fragments(
    dot: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pages"
    assert main(["docs", str(REPO / "definitions" / "ustore"), "-o", str(out)]) == 0
    assert "wrote 2 chart pages" in capsys.readouterr().out
    names = sorted(p.name for p in out.iterdir())
    compound = {"email_item": "sending", "print_item": "producing"}  # their polling states
    assert names == [
        "index.md",
        *(
            f"ustore.{item}{suffix}"
            for item in ("email_item", "print_item")
            for suffix in (
                f"--{compound[item]}.diagram.html",
                f"--{compound[item]}.svg",
                ".diagram.html",
                ".full.diagram.html",
                ".full.svg",
                ".md",
                ".mmd",
                ".svg",
            )
        ),
    ]  # the fragment (item-common) has no page of its own; each compound state has one
