"""``statewise send`` to the instances a person selected (ids, business keys, a file): a
result per item (accepted, refused with why, not found), the notes kept in the audit trail;
and the operations behind it (:func:`engine.ops.select.pick`, :func:`send_picked`)."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from engine import Chart
from engine.ops.errors import OpsError
from engine.ops.select import pick
from engine.store.sql import SqlStore
from tests.ops.helpers import DEFINITIONS, seed, sw

Capture = pytest.CaptureFixture[str]
FUTURE = timedelta(minutes=-30)  # timers due in half an hour




def test_send_to_selected_ids_and_keys(
    db_url: str, charts: dict[str, Chart], capsys: Capture
) -> None:
    ids = seed(db_url, charts, 5, late=FUTURE)
    db = ("--db", db_url, "--definitions", str(DEFINITIONS))
    # K0001 has n = 1 and may be approved; K0002 may not (guard n >= 1)
    assert sw(capsys, "send", ids[1], "bump", *db)[0] == 0
    code, out, err = sw(
        capsys, "send", "--chart", "ops.reminder", "--key", "K0001", "--key", "K0002",
        "--key", "K0099", "--id", ids[4], "approve", *db,
        "--actor", "ann", "--note", "checked by phone", "--client-note", "approved for you",
    )  # fmt: skip
    assert code == 1, err
    lines = out.splitlines()
    assert lines[0] == "4 selected: 1 accepted, 2 refused, 1 not found, 0 failed"
    assert f"  accepted  {ids[1]} (key K0001): waiting -> approved" in lines
    refused = next(line for line in lines if line.startswith(f"  refused   {ids[2]}"))
    assert "(key K0002)" in refused and "n >= 1" in refused
    assert "  not found K0099: chart 'ops.reminder' has no instance with key 'K0099'" in lines
    assert any(line.startswith(f"  refused   {ids[4]} (key K0004)") for line in lines)
    # ids named by --id come before the keys: the order of the report is the order given
    assert lines[1].startswith(f"  refused   {ids[4]}")
    with SqlStore(db_url) as store:
        assert store.load(ids[1]).snapshot.configuration == frozenset({"approved"})
        assert store.load(ids[2]).snapshot.configuration == frozenset({"waiting"})
        step = store.history(ids[1])[-1]
        assert (step.event, step.actor, step.note) == ("approve", "ann", "checked by phone")
        assert step.client_note == "approved for you"
        assert [h.event for h in store.history(ids[3])] == [None]  # not selected: untouched


def test_send_selected_json_and_files(
    db_url: str, charts: dict[str, Chart], capsys: Capture, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    ids = seed(db_url, charts, 3, late=FUTURE)
    db = ("--db", db_url, "--definitions", str(DEFINITIONS))
    listed = tmp_path / "selected.txt"
    listed.write_text(f"# picked in the console\n{ids[0]}\n\n{ids[2]}\nnope\n", encoding="utf-8")
    code, out, _ = sw(capsys, "send", "--ids-from", str(listed), "bump", *db, "--json")
    report = json.loads(out)
    assert code == 1
    assert report["summary"] == {"accepted": 2, "refused": 0, "not_found": 1, "failed": 0}
    assert [(i["given"], i["status"]) for i in report["items"]] == [
        (ids[0], "accepted"), (ids[2], "accepted"), ("nope", "not_found"),
    ]  # fmt: skip
    assert report["items"][0]["key"] == "K0000" and report["items"][0]["to"] == ["waiting"]
    assert report["items"][2]["reasons"] == ["no instance with id 'nope'"]

    monkeypatch.setattr("sys.stdin", io.StringIO("K0001\nK0002\n"))
    code, out, _ = sw(
        capsys, "send", "--chart", "ops.reminder", "--keys-from", "-", "bump", *db
    )  # fmt: skip
    assert code == 0 and out.startswith("2 selected: 2 accepted, 0 refused, 0 not found")
    with SqlStore(db_url) as store:
        assert [store.load(i).snapshot.context["n"] for i in ids] == [1, 1, 2]


def test_send_selected_usage_errors(
    db_url: str, charts: dict[str, Chart], capsys: Capture, tmp_path: Path
) -> None:
    ids = seed(db_url, charts, 1, late=FUTURE)
    db = ("--db", db_url, "--definitions", str(DEFINITIONS))
    code, _, err = sw(capsys, "send", "--key", "K0000", "--key", "K1", "bump", *db)
    assert code == 2 and "need --chart" in err
    code, _, err = sw(capsys, "send", "--chart", "ops.reminder", "--id", ids[0],
                      "--state", "waiting", "bump", *db)  # fmt: skip
    assert code == 2 and "not both" in err
    code, _, err = sw(capsys, "send", "--id", ids[0], ids[0], "bump", *db)
    assert code == 2 and "expected EVENT" in err
    code, _, err = sw(capsys, "send", "--ids-from", str(tmp_path / "none.txt"), "bump", *db)
    assert code == 2 and "cannot read" in err and "Traceback" not in err
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n", encoding="utf-8")
    code, _, err = sw(capsys, "send", "--ids-from", str(empty), "bump", *db)
    assert code == 2 and "names no instance" in err
    # an id of another chart's instance is not found in --chart
    code, out, _ = sw(capsys, "send", "--chart", "ops.job", "--id", ids[0], "bump", *db)
    assert code == 1 and "is of chart 'ops.reminder', not 'ops.job'" in out


def test_pick(db_url: str, charts: dict[str, Chart]) -> None:
    ids = seed(db_url, charts, 2, late=FUTURE)
    with SqlStore(db_url) as store:
        found = pick(store, chart="ops.reminder", ids=[ids[0], "x"], keys=["K0000", "K0001"])
        assert [(p.given, p.by, p.record is not None) for p in found] == [
            (ids[0], "id", True), ("x", "id", False), ("K0001", "key", True),
        ]  # fmt: skip  (K0000 is ids[0], named twice: picked once)
        assert found[1].missing == "no instance with id 'x'"
        with pytest.raises(OpsError, match="need the chart"):
            pick(store, keys=["K0000"])
        with pytest.raises(OpsError, match="at least one"):
            pick(store, chart="ops.reminder")
        with pytest.raises(OpsError, match="empty"):
            pick(store, ids=[" "])
