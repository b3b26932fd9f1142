"""Operating by business key: ``start``, ``explain``, and every command that takes an
instance id taking ``--chart C --key K`` too; ``render --instance`` reads ``STATEWISE_DB``.
Charts come from ``--definitions`` or, without it, from the files the database kept."""

from __future__ import annotations

import json

import pytest

from tests.ops.helpers import DEFINITIONS, sw

Capture = pytest.CaptureFixture[str]
REMINDER = str(DEFINITIONS / "reminder.yaml")




def test_start_explain_and_act_by_key(db_url: str, capsys: Capture) -> None:
    db = ("--db", db_url)
    defs = ("--definitions", str(DEFINITIONS))
    ctx = json.dumps({"email": "ann@example.com"})
    code, out, _ = sw(capsys, "start", "ops.reminder", "--key", "A-1", "--context", ctx, *db, *defs)
    assert code == 0 and "started ops.reminder v1 key A-1 in waiting (active)" in out
    key = ("--chart", "ops.reminder", "--key", "A-1")

    # why not? the guard, clause by clause, with the values read
    code, out, _ = sw(capsys, "explain", *key, "approve", *db, *defs)
    assert code == 1
    assert "'approve' would be refused" in out
    assert "1. waiting --approve--> approved (reminder.yaml, line 11): blocked" in out
    assert "the state 'reminded' is not active" in out
    assert "- `n >= 1` does not hold (n = 0)" in out
    code, out, _ = sw(capsys, "explain", *key, "bump", *db, *defs, "--json")
    found = json.loads(out)
    assert code == 0 and found["accepted"] is True and found["candidates"][0]["taken"]
    assert found["text"].startswith("'bump' would be taken")

    # the same instance by key: send, note, history, force
    assert sw(capsys, "send", *key, "bump", *db, *defs)[0] == 0
    assert sw(capsys, "note", *key, "called the customer", "--actor", "ann", *db)[0] == 0
    code, out, _ = sw(capsys, "explain", *key, "approve", *db, *defs)
    assert code == 0 and "- `n >= 1` holds (n = 1)" in out
    code, out, _ = sw(
        capsys, "force", *key, "reminded", "--reason", "by hand", "--actor", "ops", *db, *defs
    )
    assert code == 0 and "forced waiting -> reminded" in out
    code, out, _ = sw(capsys, "history", *key, *db, "--json")
    kinds = [(r["kind"], r["event"]) for r in json.loads(out)]
    assert kinds == [("start", None), ("event", "bump"), ("note", None), ("forced", None)]

    # one instance per key: a second start with the same key is refused
    code, _, err = sw(capsys, "start", "ops.reminder", "--key", "A-1", "--context", ctx, *db, *defs)
    assert code == 1 and "already has an instance with key 'A-1'" in err


def test_without_definitions_the_kept_files_are_used(
    db_url: str, tmp_path: object, capsys: Capture
) -> None:
    db = ("--db", db_url)
    assert sw(capsys, "deploy", *db, str(DEFINITIONS))[0] == 0
    ctx = json.dumps({"email": "bo@example.com"})
    code, out, _ = sw(capsys, "start", "ops.reminder", "--key", "B-1", "--context", ctx, *db)
    assert code == 0 and "started ops.reminder v1 key B-1" in out
    code, out, _ = sw(capsys, "explain", "--chart", "ops.reminder", "--key", "B-1", "approve", *db)
    assert code == 1 and "`n >= 1` does not hold (n = 0)" in out
    code, out, _ = sw(capsys, "send", "--chart", "ops.reminder", "--key", "B-1", "bump", *db)
    assert code == 0


def test_start_reports_bad_input(db_url: str, capsys: Capture) -> None:
    db = ("--db", db_url, "--definitions", str(DEFINITIONS))
    code, _, err = sw(capsys, "start", "ops.reminder", "--key", "X", *db)
    assert code == 1 and "email" in err and "Traceback" not in err
    code, _, err = sw(capsys, "start", "ops.reminder", "--context", "[1]", *db)
    assert code == 2 and "JSON object" in err
    code, _, err = sw(capsys, "start", "no.such", "--key", "X", *db)
    assert code == 1 and "no chart 'no.such'" in err
    code, _, err = sw(capsys, "explain", "--chart", "ops.reminder", "--key", "nope", "x", *db)
    assert code == 1 and "no instance with key 'nope'" in err
    code, _, err = sw(capsys, "explain", "--chart", "ops.reminder", "x", *db)
    assert code == 2 and "by chart and key" in err


def test_render_a_stored_instance_by_key_with_statewise_db(
    db_url: str, tmp_path: object, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    defs = ("--definitions", str(DEFINITIONS))
    ctx = json.dumps({"email": "cy@example.com"})
    assert sw(capsys, "start", "ops.reminder", "--key", "C-1", "--context", ctx, "--db", db_url, *defs)[0] == 0  # fmt: skip
    monkeypatch.setenv("STATEWISE_DB", db_url)
    code, out, err = sw(capsys, "render", REMINDER, "--key", "C-1", "--format", "dot")
    assert code == 0, err
    assert "digraph" in out and "#e11d48" in out.lower()  # the path overlay's colour
    code, _, err = sw(capsys, "render", REMINDER, "--key", "nope", "--format", "dot")
    assert code == 1 and "no instance with key 'nope'" in err
