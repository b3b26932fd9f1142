"""`statewise flows` and the builtin: prefix name the shipped flows from anywhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.cli import main
from engine.flows import BuiltinNotFound, resolve_path, shipped_flows


def test_path_and_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(shipped_flows())
    assert main(["flows", "list"]) == 0
    out = capsys.readouterr().out
    for line in ("yescart/", "order.yaml               yescart.order v1", "ats.order v1"):
        assert line in out


def test_copy_gives_a_folder_to_adapt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "copy", str(tmp_path / "mine")]) == 0
    assert (tmp_path / "mine" / "yescart" / "order.yaml").is_file()
    assert main(["validate", str(tmp_path / "mine")]) == 0
    assert main(["flows", "copy", str(tmp_path / "mine")]) == 2  # not into a full folder
    assert main(["flows", "copy"]) == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "builtin:", "--strict"],
        ["validate", "builtin:ats/order.yaml"],
        ["test", "builtin:ustore", "--quiet", "--no-coverage"],
        ["render", "builtin:collect/send_to_store.yaml", "--format", "mermaid"],
    ],
)
def test_builtin_works_from_any_folder(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 0, capsys.readouterr()
    assert os.listdir(tmp_path) == []


def test_unknown_or_escaping_builtin_paths(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("builtin:nope", "builtin:../engine", "builtin:yescart/../../pyproject.toml"):
        with pytest.raises(BuiltinNotFound, match="no such shipped flow"):
            resolve_path(bad)
    with pytest.raises(SystemExit) as exc:
        main(["validate", "builtin:nope"])
    assert exc.value.code == 2
    assert "builtin:nope: no such shipped flow" in capsys.readouterr().err
