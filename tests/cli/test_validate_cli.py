"""`statewise validate`: output formats, exit codes, no tracebacks for user mistakes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main

GOOD = """\
id: demo
version: 1
context:
  total: decimal
events:
  pay: {source: integration}
states:
  open:
    on:
      pay: {target: paid, guard: total > 0}
  paid:
    type: final
"""

BAD = GOOD.replace("total > 0", "totl > 0")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_clean_chart_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(write(tmp_path, "good.yaml", GOOD))]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "1 file checked: 0 errors, 0 warnings" in err


def test_error_line_format_and_excerpt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "bad.yaml", BAD)
    assert main(["validate", str(path)]) == 1
    out, _ = capsys.readouterr()
    first, source, caret = out.splitlines()[:3]
    assert first.startswith(f"{path}:10:34: E205 unknown name 'totl'")
    assert first.endswith("(at states.open.on.pay.guard)")
    assert "guard: total" not in source and "totl > 0" in source
    assert caret.strip() == "^^^^"


def test_json_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "bad.yaml", BAD)
    assert main(["validate", "--format", "json", str(path)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["files"] == 1
    row, note = data["diagnostics"]
    assert (row["line"], row["column"], row["code"], row["severity"]) == (10, 34, "E205", "error")
    assert row["path"] == "states.open.on.pay.guard"
    # the graph checks say they did not run (they need a chart without errors)
    assert (note["code"], note["severity"], note["line"]) == ("W410", "warning", 1)


def test_github_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "bad.yaml", BAD)
    assert main(["validate", "--format", "github", str(path)]) == 1
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"::error file={path},line=10,col=34,")
    assert "title=E205::unknown name 'totl'" in line


def test_warnings_pass_unless_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = GOOD + "  lost:\n    type: final\n"  # unreachable: a warning
    path = write(tmp_path, "warn.yaml", text)
    assert main(["validate", str(path)]) == 0
    assert "W401" in capsys.readouterr().out
    assert main(["validate", "--strict", str(path)]) == 1


def test_folders_are_walked_and_scenarios_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "a.yaml", GOOD)
    write(tmp_path / "sub", "b.yml", GOOD.replace("id: demo", "id: demo2"))
    write(tmp_path / "sub", "x.scenario.yaml", "not: a chart\n")
    assert main(["validate", str(tmp_path)]) == 0
    assert "2 files checked" in capsys.readouterr().err


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--bogus", "x"])
    assert exc.value.code == 2


def test_no_traceback_for_binary_or_broken_files(tmp_path: Path) -> None:
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    broken = write(tmp_path, "broken.yaml", "id: [unclosed\n")
    proc = subprocess.run(
        [sys.executable, "-m", "engine", "validate", str(binary), str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "E005" in proc.stdout and "E001" in proc.stdout


def test_stage_option_stops_early(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "bad.yaml", BAD)
    assert main(["validate", "--stage", "schema", str(path)]) == 0
    capsys.readouterr()
    assert main(["validate", "--stage", "model", str(path)]) == 1


def test_a_problem_in_a_fragment_is_told_once_per_including_chart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "a.yaml", "fragment: true\ninclude: [b.yaml]\n")
    write(tmp_path, "b.yaml", "fragment: true\ninclude: [a.yaml]\n")
    write(
        tmp_path,
        "chart.yaml",
        "id: demo\nversion: 1\ninclude: [a.yaml]\nstates:\n  s: {type: final}\n",
    )
    assert main(["validate", "--no-source", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert out.count("E007") == 1 and "chart.yaml -> a.yaml -> b.yaml -> a.yaml" in out


def test_a_fragment_alone_gets_its_shape_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "frag.yaml", "fragment: true\nstates:\n  s:\n    tpye: final\n")
    assert main(["validate", "--no-source", str(tmp_path / "frag.yaml")]) == 1
    assert "E101 unknown key 'tpye'" in capsys.readouterr().out


def _unescape(text: str) -> str:
    for code, ch in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, ch)
    return text


def test_github_format_escapes_properties_and_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GitHub's toolkit: properties escape % CR LF : and , ; the message % CR LF."""
    folder = tmp_path / "odd,name: 100%"
    folder.mkdir()
    path = write(folder, "a,b:c%d.yaml", BAD)
    assert main(["validate", "--format", "github", str(path)]) == 1
    line = capsys.readouterr().out.strip()
    command, _, message = line[2:].partition("::")
    level, _, props = command.partition(" ")
    assert level == "error"
    fields = dict(p.split("=", 1) for p in props.split(","))  # splits only on unescaped ','
    assert _unescape(fields["file"]) == str(path)
    assert ":" not in fields["file"] and "," not in fields["file"]
    assert (fields["line"], fields["col"], fields["title"]) == ("10", "34", "E205")
    assert _unescape(message).startswith("unknown name 'totl'")


def test_github_escaping_rules() -> None:
    from engine.cli.validate import github_data, github_property

    assert github_data("100% a\r\nb: c, d") == "100%25 a%0D%0Ab: c, d"
    assert github_property("100% a\r\nb: c, d") == "100%25 a%0D%0Ab%3A c%2C d"
