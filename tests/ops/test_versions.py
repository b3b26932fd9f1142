"""``statewise deploy``, ``statewise versions`` and ``statewise validate --db`` on SQLite and
PostgreSQL: versions follow meaning, numbers are assigned, instances stay on theirs, and a
changed meaning under the same version is reported before anything runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import Engine, MemoryTransport, load_chart
from engine.cli import main
from engine.store.sql import SqlStore

CHART = """\
id: ops.v
version: 1
context:
  total: {type: decimal, default: 0}
events:
  pay: {source: external, data: {amount: decimal}}
  close: {source: external}
templates:
  receipt: {channel: email, subject: "Receipt", body: "You paid {{ total }}."}
states:
  open:
    on:
      pay:
        target: paid
        guard: event.amount >= 10
        actions: [{assign: {total: event.amount}}]
  paid:
    entry:
      - notify: {template: receipt, to: ["'buyer@example.com'"]}
    on: {close: done}
  done: {type: final}
"""


MAIL = {"email": MemoryTransport()}


def flow(tmp_path: Path, text: str = CHART) -> Path:
    folder = tmp_path / "flows"
    folder.mkdir(exist_ok=True)
    (folder / "v.yaml").write_text(text, encoding="utf-8")
    return folder


def cli(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_deploy_numbers_versions_and_instances_stay_on_theirs(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = flow(tmp_path)
    code, out, _ = cli("deploy", "--db", db_url, str(folder), "--json", capsys=capsys)
    assert code == 0
    assert [(d["version"], d["status"]) for d in json.loads(out)] == [(1, "new")]
    store = SqlStore(db_url)
    try:
        v1 = load_chart(folder / "v.yaml")
        first = Engine(store=store, transports=MAIL, charts=[v1]).start(v1, {})
        # a comment and a new layout: nothing to deploy
        (folder / "v.yaml").write_text("# reformatted\n" + CHART.replace("  ", "  "))
        code, out, _ = cli("deploy", "--db", db_url, str(folder), "--json", capsys=capsys)
        assert [(d["version"], d["status"]) for d in json.loads(out)] == [(1, "unchanged")]
        # a changed guard and wording under the same `version: 1`: a new version, numbered
        changed = CHART.replace(">= 10", ">= 20").replace("You paid", "Thank you for")
        flow(tmp_path, changed)
        code, out, _ = cli("deploy", "--db", db_url, str(folder), "--json", capsys=capsys)
        [done] = json.loads(out)
        assert (done["version"], done["status"], done["previous"]) == (2, "changed", 1)
        assert done["changes"] == [
            "states.open.transitions.on pay[0].guard: event.amount >= 10 -> event.amount >= 20",
            "templates.receipt.body: You paid {{ total }}. -> Thank you for {{ total }}.",
        ]
        # the files say `version: 1`, the database runs them as version 2; the instance
        # started on version 1 keeps version 1's guard (10 is enough there)
        current = load_chart(folder / "v.yaml")
        engine = Engine(store=store, transports=MAIL, charts=[current])
        assert engine.send(first.id, "pay", {"amount": "12"}).leaf_states == ("paid",)
        assert engine.start(current, {}).version == 2
    finally:
        store.close()
    code, out, _ = cli("versions", "ops.v", "--db", db_url, "--json", capsys=capsys)
    rows = json.loads(out)
    assert [(r["version"], r["active"], r["done"], r["files_kept"]) for r in rows] == [
        (1, 1, 0, True),
        (2, 1, 0, True),
    ]
    assert rows[1]["changes"][0].startswith("states.open.transitions.on pay[0].guard")
    code, out, _ = cli("versions", "ops.v", "--db", db_url, capsys=capsys)
    assert code == 0 and out.splitlines()[0].split() == [
        "VERSION", "REGISTERED", "FINGERPRINT", "ACTIVE", "DONE", "CHANGES",
    ]  # fmt: skip


def test_validate_db_reports_a_changed_meaning_before_anything_runs(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = flow(tmp_path)
    store = SqlStore(db_url)
    try:
        chart = load_chart(folder / "v.yaml")
        Engine(store=store, transports=MAIL, charts=[chart]).start(chart, {})
    finally:
        store.close()
    # comments and reordering: clean
    reordered = CHART.replace(
        "  pay: {source: external, data: {amount: decimal}}\n  close: {source: external}\n",
        "  close: {source: external}   # from the shop\n  pay: {data: {amount: decimal}, "
        "source: external}\n",
    )
    assert reordered != CHART
    flow(tmp_path, "# a comment\n" + reordered.replace("states:", "states:  # the flow"))
    code, out, _ = cli("validate", "--db", db_url, str(folder), "--format", "json", capsys=capsys)
    assert (code, json.loads(out)["diagnostics"]) == (0, [])
    # a guard change under the same version: E600 at `version:`, naming the change
    flow(tmp_path, CHART.replace(">= 10", ">= 20"))
    code, out, _ = cli("validate", "--db", db_url, str(folder), "--format", "json", capsys=capsys)
    [row] = json.loads(out)["diagnostics"]
    assert code == 1
    assert (row["code"], row["line"], row["column"]) == ("E600", 2, 10)
    assert "used by 1 instance" in row["message"]
    assert "on pay[0].guard: event.amount >= 10 -> event.amount >= 20" in row["message"]
    assert "statewise deploy" in row["message"]
    # once deployed, the same files validate clean (the database runs them as version 2)
    assert cli("deploy", "--db", db_url, str(folder), capsys=capsys)[0] == 0
    code, out, _ = cli("validate", "--db", db_url, str(folder), "--format", "json", capsys=capsys)
    assert (code, json.loads(out)["diagnostics"]) == (0, [])


def test_validate_db_warns_when_no_instance_uses_the_version(
    sqlite_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = flow(tmp_path)
    assert cli("deploy", "--db", sqlite_db, str(folder), capsys=capsys)[0] == 0
    flow(tmp_path, CHART.replace(">= 10", ">= 20"))
    code, out, _ = cli(
        "validate", "--db", sqlite_db, str(folder), "--format", "json", capsys=capsys
    )
    [row] = json.loads(out)["diagnostics"]
    assert (code, row["code"]) == (0, "W600")


def test_bad_database_and_folder_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = flow(tmp_path)
    code, _, err = cli("deploy", "--db", "mysql://x", str(folder), capsys=capsys)
    assert code == 2 and "statewise deploy:" in err
    code, _, err = cli("deploy", "--db", f"sqlite:///{tmp_path}/no.db", "nope", capsys=capsys)
    assert code == 2 and "no such folder" in err
    code, _, err = cli("versions", "x.y", "--db", f"sqlite:///{tmp_path}/no.db", capsys=capsys)
    assert code == 1 and "no such database file" in err
    code, _, err = cli("validate", str(folder), "--db", "mysql://x", capsys=capsys)
    assert code == 2 and "statewise validate:" in err
