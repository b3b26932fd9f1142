"""The worker fires due timers and delivers their e-mails to a real SMTP server on loopback."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from engine import Chart
from engine.store.sql import SqlStore
from tests.ops.helpers import (
    DEFINITIONS,
    ROOT,
    SmtpSink,
    free_port,
    rows,
    seed,
    start_worker,
    stop_worker,
    wait_for,
    worker_env,
)


def _once(url: str, port: int, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        "-m",
        "engine",
        "worker",
        "--db",
        url,
        "--definitions",
        str(DEFINITIONS),
        "--once",
        "--grace",
        "0",
        "--app",
        "ops_app:make",
        *extra,
    ]
    return subprocess.run(
        cmd, cwd=ROOT, env=worker_env(port), capture_output=True, text=True, timeout=30
    )


@pytest.mark.parametrize("path", [(), ("--unbatched",)], ids=["batched", "unbatched"])
def test_worker_fires_timers_and_mails(
    db_url: str, charts: dict[str, Chart], smtp: SmtpSink, tmp_path: Path, path: tuple[str, ...]
) -> None:
    ids = seed(db_url, charts, 12)
    done = _once(db_url, smtp.port, tmp_path, *path)
    assert done.returncode == 0, done.stderr
    assert "12 timer(s) fired" in done.stderr
    with SqlStore(db_url) as store:
        for iid in ids:
            assert store.load(iid).snapshot.configuration == frozenset({"reminded"})
            kinds = [(h.kind, h.event) for h in store.history(iid)]
            assert kinds == [("start", None), ("event", "after.waiting.0")]
        assert store.pending_outbox() == ()
        outbox_ids = {r[0] for r in rows(db_url, "SELECT id FROM statewise_outbox")}
    assert set(smtp.keys) == outbox_ids
    assert all(n == 1 for n in smtp.keys.values())
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert subjects[0] == "Reminder K0000"
    assert smtp.messages[0]["From"] == "workflow@example.com"


def test_a_running_worker_mails_timers_as_they_fall_due(
    sqlite_db: str, charts: dict[str, Chart], smtp: SmtpSink, tmp_path: Path
) -> None:
    """Timers due just now: the worker performs their e-mails right after the step."""
    seed(sqlite_db, charts, 3, late=timedelta(seconds=1))
    log = tmp_path / "w.log"
    proc = start_worker(sqlite_db, "--grace", "30", env=worker_env(smtp.port), log=log)
    try:
        assert wait_for(lambda: len(smtp.keys) == 3, 15), log.read_text()
    finally:
        assert stop_worker(proc) == 0
    assert all(n == 1 for n in smtp.keys.values())
    assert "3 timer(s) fired" in log.read_text()


def test_the_worker_runs_task_handlers(
    db_url: str, charts: dict[str, Chart], tmp_path: Path
) -> None:
    ids = seed(db_url, charts, 4, chart="ops.job")
    calls = tmp_path / "calls.txt"
    cmd = [
        sys.executable,
        "-m",
        "engine",
        "worker",
        "--db",
        db_url,
        "--definitions",
        str(DEFINITIONS),
        "--once",
        "--grace",
        "0",
        "--app",
        "ops_app:make",
    ]
    env = worker_env(free_port(), OPS_TASK_LOG=str(calls))
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    with SqlStore(db_url) as store:
        states = {store.load(i).snapshot.configuration for i in ids}
    assert states == {frozenset({"finished"})}
    keys = calls.read_text().split()
    assert len(keys) == 4 and len(set(keys)) == 4
