"""The operator commands: instances, send (one and bulk), history, note, force."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from engine import Chart
from engine.store.sql import SqlStore
from tests.ops.helpers import DEFINITIONS, seed, sw

Capture = pytest.CaptureFixture[str]
FUTURE = timedelta(minutes=-30)  # timers due in half an hour




def test_instances_queues(db_url: str, charts: dict[str, Chart], capsys: Capture) -> None:
    ids = seed(db_url, charts, 5, late=FUTURE)
    db = ("--db", db_url, "--definitions", str(DEFINITIONS))
    code, out, _ = sw(capsys, "instances", "ops.reminder", *db, "--count")
    assert code == 0 and "waiting" in out and "(total)  5" in out
    code, out, _ = sw(capsys, "instances", "ops.reminder", *db, "--count", "--json")
    assert json.loads(out) == {"chart": "ops.reminder", "states": {"waiting": 5}, "total": 5}

    code, out, _ = sw(
        capsys, "instances", "ops.reminder", *db, "--state", "waiting", "--limit", "3"
    )
    assert code == 0 and "IN STATE" in out and out.count("K000") == 3
    cursor = out.strip().splitlines()[-1].split("--after ")[1]
    code, out, _ = sw(
        capsys, "instances", "ops.reminder", *db, "--state", "waiting", "--after", cursor, "--json"
    )
    page = json.loads(out)
    assert len(page["items"]) == 2 and page["next"] is None
    assert page["items"][0]["time_in_state"] >= 0

    code, out, _ = sw(capsys, "instances", "ops.reminder", *db, "--tag", "queue", "--json")
    assert {i["id"] for i in json.loads(out)["items"]} == set(ids)
    code, out, _ = sw(capsys, "instances", "ops.reminder", *db, "--key", "K0003", "--json")
    assert json.loads(out)["id"] == ids[3]

    code, _, err = sw(capsys, "instances", "ops.reminder", *db, "--key", "nope")
    assert code == 1 and "no instance with key 'nope'" in err
    code, _, err = sw(capsys, "instances", "ops.reminder", *db, "--state", "nowhere")
    assert code == 1 and "has no state 'nowhere'" in err and "Traceback" not in err
    code, _, err = sw(capsys, "instances", "ops.reminder", *db, "--tag", "nope")
    assert code == 1 and "tag 'nope'" in err
    code, _, err = sw(capsys, "instances", "ops.reminder", *db, "--after", "garbage")
    assert code == 2 and "cursor" in err
    code, _, err = sw(capsys, "instances", "ops.reminder")
    assert code == 2 and "--db" in err


def test_send_one_and_bulk(db_url: str, charts: dict[str, Chart], capsys: Capture) -> None:
    ids = seed(db_url, charts, 5, late=FUTURE)
    db = ("--db", db_url, "--definitions", str(DEFINITIONS))
    code, out, _ = sw(capsys, "send", ids[0], "bump", *db, "--actor", "ann", "--note", "hi")
    assert code == 0 and f"{ids[0]}: bump: waiting -> waiting" in out
    code, out, _ = sw(capsys, "send", "--chart", "ops.reminder", "--key", "K0001", "bump", *db)
    assert code == 0
    code, out, err = sw(capsys, "send", ids[2], "approve", *db, "--json")
    assert code == 1 and json.loads(out)["accepted"] is False
    assert "n >= 1" in json.loads(out)["reasons"][0]

    code, out, err = sw(
        capsys, "send", "--chart", "ops.reminder", "--state", "waiting", "approve", *db,
        "--actor", "boss",
    )  # fmt: skip
    assert code == 1
    assert "5 selected: 2 accepted, 3 refused, 0 failed" in out
    assert out.count("refused 1") + out.count("refused ") >= 3 and "n >= 1" in out
    assert "\r" not in err  # not a terminal: no bar drawn into the captured output
    with SqlStore(db_url) as store:
        states = [store.load(i).snapshot.configuration for i in ids]
        history = store.history(ids[0])
    assert states[:2] == [frozenset({"approved"})] * 2
    assert states[2:] == [frozenset({"waiting"})] * 3
    assert [(h.kind, h.event, h.actor, h.note) for h in history][1:] == [
        ("event", "bump", "ann", "hi"),
        ("event", "approve", "boss", None),
    ]
    code, out, _ = sw(
        capsys, "send", "--chart", "ops.reminder", "--state", "waiting", "bump", *db, "--json"
    )
    assert code == 0 and len(json.loads(out)["accepted"]) == 3

    code, _, err = sw(capsys, "send", ids[2], "bump", *db, "--data", "{nope")
    assert code == 2 and "--data is not JSON" in err
    code, _, err = sw(capsys, "send", "missing-id", "bump", *db)
    assert code == 1 and "no instance with id 'missing-id'" in err
    code, _, err = sw(capsys, "send", "bump", *db, "--key", "K1")
    assert code == 2 and "need --chart" in err


def test_history_note_and_force(db_url: str, charts: dict[str, Chart], capsys: Capture) -> None:
    (iid,) = seed(db_url, charts, 1, late=FUTURE)
    db = ("--db", db_url)
    defs = ("--definitions", str(DEFINITIONS))
    code, out, _ = sw(capsys, "note", iid, "customer called", "--actor", "ann", *db)
    assert code == 0
    code, out, _ = sw(capsys, "force", iid, "reminded", "--reason", "mail sent by hand",
                      "--actor", "ops", *db, *defs)  # fmt: skip
    assert code == 0 and "forced waiting -> reminded" in out
    code, out, _ = sw(capsys, "history", iid, *db, "--json")
    records = json.loads(out)
    assert [(r["kind"], r["note"]) for r in records] == [
        ("start", None),
        ("note", "customer called"),
        ("forced", "mail sent by hand"),
    ]
    assert records[2]["from_states"] == ["waiting"] and records[2]["to_states"] == ["reminded"]
    code, out, _ = sw(capsys, "history", iid, *db)
    assert code == 0 and "forced" in out and "SEQ" in out
    with SqlStore(db_url) as store:
        record = store.load(iid)
        assert set(store.timers(iid)) == set(record.snapshot.timers) == {"reminded#0"}
        due = record.snapshot.timers["reminded#0"].due
        assert abs((due - record.updated) - timedelta(days=2)) < timedelta(seconds=1)

    code, out, _ = sw(capsys, "force", iid, "approved", "--reason", "done", "--actor", "ops",
                      *db, *defs, "--json")  # fmt: skip
    assert code == 0 and json.loads(out)["timers"] == {}
    with SqlStore(db_url) as store:
        assert store.load(iid).status == "done" and store.timers(iid) == {}

    code, _, err = sw(capsys, "force", iid, "nowhere", "--reason", "x", "--actor", "a", *db, *defs)
    assert code == 1 and "has no state 'nowhere'" in err
    code, _, err = sw(capsys, "force", iid, "waiting", "--actor", "a", *db, *defs)
    assert code == 2 and "--reason" in err
    code, _, err = sw(capsys, "force", iid, "waiting", "--reason", " ", "--actor", "a", *db, *defs)
    assert code == 2
    code, _, err = sw(capsys, "history", "nope", *db)
    assert code == 1 and "no instance" in err


def test_render_a_stored_instance(db_url: str, charts: dict[str, Chart], capsys: Capture) -> None:
    (iid,) = seed(db_url, charts, 1, late=FUTURE)
    chart = str(DEFINITIONS / "reminder.yaml")
    db = ("--db", db_url)
    assert sw(capsys, "send", iid, "bump", *db, "--definitions", str(DEFINITIONS))[0] == 0
    code, out, err = sw(capsys, "render", chart, "--instance", iid, *db, "--format", "dot")
    assert code == 0, err
    assert "digraph" in out and "penwidth" in out  # the path is drawn
    code, _, err = sw(capsys, "render", chart, "--instance", "nope", *db, "--format", "dot")
    assert code == 1 and "no instance" in err
    code, _, err = sw(capsys, "render", chart, "--instance", iid, "--format", "dot")
    assert code == 2 and "--db" in err
