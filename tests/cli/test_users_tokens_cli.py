"""`statewise users` and `statewise tokens`: the password from standard input, tokens shown
once, clear errors and exit codes; `statewise serve` refuses what it cannot run."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from engine.cli import main
from tests.databases import sqlite_template


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{sqlite_template(tmp_path)}"


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_users_add_reads_the_password_from_stdin(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("argon2", reason="the serve extra is not installed")
    _stdin(monkeypatch, "a long password\n")
    assert main(["users", "add", "ann", "--roles", "SHOPADMIN,admin", "--db", db]) == 0
    assert "user ann added (roles: SHOPADMIN, admin)" in capsys.readouterr().out
    _stdin(monkeypatch, "another password\n")
    assert main(["users", "add", "ann", "--db", db]) == 1
    assert "already a user 'ann'" in capsys.readouterr().err
    _stdin(monkeypatch, "short\n")
    assert main(["users", "add", "bob", "--db", db]) == 2
    assert "too short" in capsys.readouterr().err
    _stdin(monkeypatch, "")
    assert main(["users", "add", "bob", "--db", db]) == 2
    assert "no password on standard input" in capsys.readouterr().err
    assert main(["users", "set-roles", "ann", "--roles", "CALLCENTERORDERCONFIRM", "--db", db]) == 0
    capsys.readouterr()
    assert main(["users", "list", "--json", "--db", db]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["name"] == "ann" and listed[0]["roles"] == ["CALLCENTERORDERCONFIRM"]
    assert "password" not in json.dumps(listed)
    _stdin(monkeypatch, "a brand new password\n")
    assert main(["users", "set-password", "ann", "--db", db]) == 0
    assert main(["users", "remove", "ann", "--db", db]) == 0
    assert main(["users", "remove", "ann", "--db", db]) == 1


def test_tokens_are_printed_once_and_listed_without_secrets(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tokens", "add", "crm", "--charts", "ats.order", "--events",
                 "evt.crm.status", "--db", db]) == 0  # fmt: skip
    token = capsys.readouterr().out.strip()
    assert token.startswith("sw_")
    assert main(["tokens", "list", "--json", "--db", db]) == 0
    listed = capsys.readouterr().out
    assert token.split("_", 2)[2] not in listed and '"crm"' in listed
    assert main(["tokens", "revoke", "crm", "--db", db]) == 0
    assert main(["tokens", "revoke", "crm", "--db", db]) == 1
    assert "no active token 'crm'" in capsys.readouterr().err


def test_serve_says_what_is_missing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["serve", "--definitions", "definitions"]) == 2
    assert "no database" in capsys.readouterr().err
    assert main(["serve", "--db", f"sqlite:///{tmp_path / 'none.db'}",
                 "--definitions", str(tmp_path / "nowhere")]) == 1  # fmt: skip
    assert "no such folder" in capsys.readouterr().err


def test_serve_without_the_extra_names_the_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import engine.cli.serve as serve

    monkeypatch.setattr(serve, "missing_packages", lambda: ["starlette", "uvicorn"])
    assert main(["serve", "--db", "sqlite:///x.db", "--definitions", "definitions"]) == 2
    err = capsys.readouterr().err
    assert "needs starlette, uvicorn (are not installed)" in err
    assert "pip install 'statewise[serve]'" in err
