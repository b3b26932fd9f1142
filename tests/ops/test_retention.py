"""Data that does not grow forever, end to end: the worker's housekeeping (purge and archive),
``statewise purge``, ``statewise archive`` (run, list, show, export) and ``statewise history``
of an archived instance, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from engine import Chart
from engine.store.sql import SqlStore
from tests.ops.helpers import DEFINITIONS, ROOT, free_port, rows, seed, worker_env
from tests.ops.test_commands import Capture, sw


def _worker_once(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "engine", "worker", "--db", url, "--definitions",
           str(DEFINITIONS), "--once", "--grace", "0", "--app", "ops_app:make", *extra]  # fmt: skip
    return subprocess.run(
        cmd, cwd=ROOT, env=worker_env(free_port()), capture_output=True, text=True, timeout=60
    )


def test_the_worker_purges_and_archives_then_commands_read_the_archive(
    db_url: str, charts: dict[str, Chart], capsys: Capture, tmp_path: Path
) -> None:
    ids = seed(db_url, charts, 3, chart="ops.job")
    kept = _worker_once(db_url)  # default: purge after 30 days, no archiving
    assert kept.returncode == 0, kept.stderr
    assert "3 timer(s) fired" in kept.stderr and "0 instance(s) archived" in kept.stderr
    assert rows(db_url, "SELECT count(*) FROM statewise_outbox WHERE status = 'done'") == [(3,)]
    with SqlStore(db_url) as store:
        trails = {i: store.history(i) for i in ids}
    assert all(store_done(db_url, i) for i in ids)

    done = _worker_once(db_url, "--purge-after", "0s", "--archive-after", "0s")
    assert done.returncode == 0, done.stderr
    assert "3 done outbox item(s) purged, 3 instance(s) archived" in done.stderr
    for table in ("statewise_instances", "statewise_audit", "statewise_outbox"):
        assert rows(db_url, f"SELECT count(*) FROM {table}") == [(0,)], table

    db = ("--db", db_url)
    code, out, _ = sw(capsys, "archive", *db)
    assert code == 0 and all(i in out for i in ids) and "ops.job" in out and "finished" in out
    code, out, _ = sw(capsys, "archive", *db, "--chart", "ops.job", "--limit", "2", "--json")
    page = json.loads(out)
    assert len(page["items"]) == 2 and page["next"]
    code, out, _ = sw(capsys, "archive", *db, "--json", "--after", page["next"])
    assert len(json.loads(out)["items"]) == 1
    code, out, _ = sw(capsys, "archive", ids[0], *db)
    assert code == 0 and "finished" in out and f"statewise history {ids[0]}" in out
    code, out, _ = sw(capsys, "history", ids[0], *db, "--json")
    assert code == 0
    assert [e["event"] for e in json.loads(out)] == [r.event for r in trails[ids[0]]]

    target = tmp_path / "old.jsonl"
    code, out, _ = sw(capsys, "archive", *db, "--export", str(target), "--delete")
    assert code == 0 and f"3 archived instance(s) written to {target}" in out
    assert {json.loads(line)["id"] for line in target.read_text().splitlines()} == set(ids)
    code, out, err = sw(capsys, "history", ids[0], *db)
    assert code == 1 and "no instance" in err
    code, out, err = sw(capsys, "archive", *db, "--export", str(target))
    assert code == 2 and "exists" in err


def store_done(url: str, iid: str) -> bool:
    with SqlStore(url) as store:
        return store.load(iid).status == "done"


def test_purge_and_archive_commands(db_url: str, charts: dict[str, Chart], capsys: Capture) -> None:
    seed(db_url, charts, 2, chart="ops.job")
    assert _worker_once(db_url).returncode == 0
    db = ("--db", db_url)
    code, out, _ = sw(capsys, "purge", *db)
    assert code == 0 and "0 done outbox item(s) older than 30d deleted" in out
    code, out, _ = sw(capsys, "purge", *db, "--older-than", "0s", "--json")
    assert code == 0 and json.loads(out)["purged"] == 2
    code, out, _ = sw(capsys, "archive", *db, "--run", "--older-than", "0s")
    assert code == 0 and "2 finished instance(s) archived" in out
    code, out, _ = sw(capsys, "archive", *db, "--json")
    assert len(json.loads(out)["items"]) == 2


def test_usage_errors(db_url: str, capsys: Capture) -> None:
    db = ("--db", db_url)
    code, _, err = sw(capsys, "archive", *db, "--run")
    assert code == 2 and "--older-than" in err
    code, _, err = sw(capsys, "archive", *db, "--run", "--older-than", "3x")
    assert code == 2 and "not an age" in err
    code, _, err = sw(capsys, "purge", *db, "--older-than=-1d")
    assert code == 2 and "not an age" in err
    code, _, err = sw(capsys, "archive", *db, "--delete")
    assert code == 2 and "--export" in err
    code, _, err = sw(capsys, "archive", "nope", *db)
    assert code == 1 and "no archived instance" in err
    code, _, err = sw(capsys, "archive", *db, "--after", "garbage")
    assert code == 2 and "cursor" in err
