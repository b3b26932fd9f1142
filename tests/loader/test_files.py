"""Files a chart names stay inside its definitions folder, are regular, bounded text, and a
refusal never shows what the file holds (engine/loader/files.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.cli import main
from engine.loader import load_chart, validate_path
from engine.loader.files import (
    MAX_DEFINITION_BYTES,
    MAX_TEMPLATE_BYTES,
    FileRefused,
    confine,
    exists,
    read_text,
    reading_buffers,
)

SECRET = "SECRET-MARKER-4711: password=hunter2"

CHART = """\
id: c
version: 1
states:
  a:
    entry:
      - notify: {{template: m, channel: email, to: ["'x@example.com'"]}}
    on: {{go: b}}
  b: {{type: final}}
templates:
  m: {{subject: hi, body_file: "{ref}"}}
"""

INCLUDE = """\
id: c
version: 1
include: ["{ref}"]
states:
  a: {{type: final}}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """definitions/ (the chart's folder) beside outside/secret.txt, plus links and oddities."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    (outside / "secret.yaml").write_text(f"fragment: true\n{SECRET}: [\n", encoding="utf-8")
    defs = tmp_path / "definitions"
    (defs / "templates").mkdir(parents=True)
    (defs / "templates" / "ok.txt").write_text("Hello {{ instance.key }}\n", encoding="utf-8")
    (defs / "link-out.txt").symlink_to(outside / "secret.txt")
    (defs / "link-out.yaml").symlink_to(outside / "secret.yaml")
    (defs / "link-in.txt").symlink_to(defs / "templates" / "ok.txt")
    (defs / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + SECRET.encode())
    (defs / "latin1.txt").write_bytes("caf\xe9 ".encode("latin-1") + SECRET.encode())
    (defs / "big.txt").write_text("x" * (MAX_TEMPLATE_BYTES + 1), encoding="utf-8")
    (defs / "folder.txt").mkdir()
    os.mkfifo(defs / "fifo.txt")
    return defs


def _chart(folder: Path, template: str, ref: str) -> Path:
    path = folder / "chart.yaml"
    path.write_text(template.format(ref=ref), encoding="utf-8")
    return path


REFUSED_BODY_FILES = [
    ("/proc/self/environ", "E008"),
    ("/etc/passwd", "E008"),
    ("~/.netrc", "E008"),
    ("../outside/secret.txt", "E008"),
    ("templates/../../outside/secret.txt", "E008"),
    ("link-out.txt", "E008"),
    ("/dev/zero", "E008"),
    ("/dev/stdin", "E008"),
    ("fifo.txt", "E009"),
    ("folder.txt", "E009"),
    ("big.txt", "E010"),
    ("binary.txt", "E005"),
    ("latin1.txt", "E005"),
    ("missing.txt", "E501"),
]


@pytest.mark.parametrize(("ref", "code"), REFUSED_BODY_FILES)
def test_body_file_outside_or_unusable_is_an_error(
    folder: Path, ref: str, code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = _chart(folder, CHART, ref)
    result = validate_path(chart)
    errors = [d for d in result.diagnostics if d.is_error]
    assert [d.code for d in errors] == [code]
    assert errors[0].path == "templates.m.body_file"
    assert errors[0].span is not None and errors[0].span.file == str(chart)
    assert main(["validate", str(chart)]) == 1
    out, err = capsys.readouterr()
    assert "SECRET-MARKER" not in out + err
    assert "Traceback" not in err


REFUSED_INCLUDES = [
    ("/etc/passwd", "E008"),
    ("../outside/secret.yaml", "E008"),
    ("link-out.yaml", "E008"),
    ("fifo.txt", "E009"),
    ("binary.txt", "E005"),
    ("nowhere.yaml", "E006"),
]


@pytest.mark.parametrize(("ref", "code"), REFUSED_INCLUDES)
def test_include_outside_or_unusable_is_an_error(
    folder: Path, ref: str, code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = _chart(folder, INCLUDE, ref)
    result = validate_path(chart)
    assert [d.code for d in result.diagnostics if d.is_error] == [code]
    assert main(["validate", str(chart)]) == 1
    out, err = capsys.readouterr()
    assert "SECRET-MARKER" not in out + err


def test_links_and_dotdot_inside_the_folder_are_fine(folder: Path) -> None:
    for ref in ("link-in.txt", "templates/../templates/ok.txt"):
        chart = load_chart(_chart(folder, CHART, ref))
        assert chart.templates["m"].body == "Hello {{ instance.key }}\n"


def test_an_explicit_root_widens_the_folder(folder: Path) -> None:
    chart = _chart(folder, CHART, "../outside/secret.txt")
    assert not validate_path(chart).ok
    wider = load_chart(chart, root=folder.parent)
    assert SECRET in wider.templates["m"].body


def test_a_folder_scan_skips_links_out_of_the_folder(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "evil.yaml").symlink_to(folder.parent / "outside" / "secret.yaml")
    _chart(folder, CHART, "templates/ok.txt")
    assert main(["validate", str(folder)]) == 0
    out, err = capsys.readouterr()
    assert "skipping" in err and "evil.yaml" in err
    assert "SECRET-MARKER" not in out + err


def test_read_text_refuses_devices_pipes_and_oversized_files(tmp_path: Path) -> None:
    with pytest.raises(FileRefused) as zero:
        read_text(Path("/dev/zero"))
    assert zero.value.code == "E009"
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(FileRefused) as pipe:
        read_text(tmp_path / "pipe")  # would block forever if opened for reading plainly
    assert pipe.value.code == "E009"
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" * (MAX_DEFINITION_BYTES // 5 + 1))
    with pytest.raises(FileRefused) as large:
        read_text(big)
    assert large.value.code == "E010"


def test_a_huge_chart_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "chart.yaml"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # a 50 MB sparse file: reading it would take memory
    result = validate_path(big)
    assert [d.code for d in result.diagnostics if d.is_error] == ["E010"]


def test_confine_resolves_links_before_checking(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "a").mkdir(parents=True)
    (root / "a" / "up").symlink_to(tmp_path)
    with pytest.raises(FileRefused):
        confine("a/up/x.txt", root, root)
    assert confine("a/../b.txt", root, root) == (root / "b.txt").resolve()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("fragment: true\n", None),
        ("x" * (MAX_DEFINITION_BYTES + 1), "E010"),
        ("fragment: true\n\0", "E005"),
    ],
)
def test_a_buffer_being_edited_is_read_with_the_same_limits(
    tmp_path: Path, text: str, code: str | None
) -> None:
    saved = tmp_path / "frag.yaml"
    saved.write_text("saved: true\n")
    unsaved = tmp_path / "new.yaml"  # only in the editor so far
    with reading_buffers({str(saved): text, str(unsaved): text}):
        for path in (saved, unsaved):
            assert exists(path)
            if code is None:
                assert read_text(path) == text
            else:
                with pytest.raises(FileRefused) as refused:
                    read_text(path)
                assert refused.value.code == code
    assert read_text(saved) == "saved: true\n" and not exists(unsaved)  # outside the block
