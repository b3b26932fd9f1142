"""Workers killed mid-batch, and two workers sharing one PostgreSQL database.

After a SIGKILL and a restart every instance is consistent: each timer fired exactly once
(one audit line, no transition applied twice), the timer index mirrors every snapshot (no
timer lost), every outbox row is done and every e-mail arrived; only items in flight when
the worker died may arrive twice (at least once), with the same idempotency key.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from engine import Chart
from engine.store.sql import SqlStore
from tests.ops.helpers import (
    SmtpSink,
    rows,
    seed,
    start_worker,
    stop_worker,
    wait_for,
    worker_env,
)

BATCH = 10


def check_consistent(url: str, ids: list[str]) -> None:
    with SqlStore(url) as store:
        for iid in ids:
            record = store.load(iid)
            assert record.snapshot.configuration == frozenset({"reminded"}), iid
            history = store.history(iid)
            assert [(h.seq, h.kind, h.event) for h in history] == [
                (1, "start", None),
                (2, "event", "after.waiting.0"),
            ], iid
            assert record.row_version == 2, iid  # no step applied twice, no stray save
            index = store.timers(iid)
            assert set(index) == set(record.snapshot.timers) == {"reminded#0"}, iid
        assert store.pending_outbox() == ()
        assert store.dead_letters() == ()
    assert rows(url, "SELECT count(*) FROM statewise_outbox WHERE status <> 'done'") == [(0,)]


def test_sigkill_mid_batch_then_restart(
    db_url: str, charts: dict[str, Chart], smtp: SmtpSink, tmp_path: Path
) -> None:
    ids = seed(db_url, charts, 150)
    log = tmp_path / "worker.log"
    env = worker_env(smtp.port)
    args = ("--lease", "1", "--batch", str(BATCH), "--grace", "0")
    proc = start_worker(db_url, *args, env=env, log=log)

    def kill_at(count: int) -> None:
        if count == 40:
            os.kill(proc.pid, signal.SIGKILL)

    smtp.on_message = kill_at
    assert proc.wait(20) == -signal.SIGKILL, log.read_text()
    smtp.on_message = None
    fired = rows(db_url, "SELECT count(*) FROM statewise_audit WHERE kind = 'event'")[0][0]
    assert 0 < fired < 150  # killed in the middle
    time.sleep(1.2)  # what the dead worker had claimed is free once its 1 s lease ends
    restarted = start_worker(db_url, *args, "--once", env=env, log=log)
    assert restarted.wait(20) == 0, log.read_text()
    check_consistent(db_url, ids)
    outbox_ids = {r[0] for r in rows(db_url, "SELECT id FROM statewise_outbox")}
    assert set(smtp.keys) == outbox_ids  # every e-mail arrived
    repeated = {k: n for k, n in smtp.keys.items() if n > 1}
    assert all(n == 2 for n in repeated.values())
    assert len(repeated) <= BATCH  # at most the batch that was in flight


def test_two_workers_share_the_work_on_postgres(
    pg_url: str, charts: dict[str, Chart], smtp: SmtpSink, tmp_path: Path
) -> None:
    ids = seed(pg_url, charts, 300)
    env = worker_env(smtp.port)
    args = ("--batch", str(BATCH), "--grace", "0", "--lease", "30")
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs: list[subprocess.Popen[bytes]] = [
        start_worker(pg_url, *args, "--owner", name, env=env, log=log)
        for name, log in zip(("a", "b"), logs, strict=True)
    ]
    try:
        assert wait_for(lambda: len(smtp.keys) == 300, 20), [p.read_text() for p in logs]
    finally:
        codes = [stop_worker(p) for p in procs]
    assert codes == [0, 0]
    check_consistent(pg_url, ids)
    assert all(n == 1 for n in smtp.keys.values())  # no outbox row delivered twice
    fired = [_fired(log.read_text()) for log in logs]
    assert sum(fired) == 300 and all(f > 0 for f in fired), fired


def _fired(text: str) -> int:
    line = next(x for x in text.splitlines() if "stopped:" in x)
    return int(line.split("stopped:")[1].split("timer(s) fired")[0])
