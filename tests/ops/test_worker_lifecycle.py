"""SIGTERM stops a worker cleanly; the database going away and coming back."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import make_url

from engine import Chart
from tests.ops.helpers import (
    SmtpSink,
    TcpProxy,
    seed,
    start_worker,
    stop_worker,
    wait_for,
    worker_env,
)
from tests.ops.test_worker_crash import check_consistent


def test_sigterm_when_idle(sqlite_db: str, smtp: SmtpSink, tmp_path: Path) -> None:
    log = tmp_path / "w.log"
    proc = start_worker(sqlite_db, env=worker_env(smtp.port), log=log)
    assert wait_for(lambda: "connected" in log.read_text(), 10), log.read_text()
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(5) == 0
    assert time.monotonic() - started < 2
    assert "stopped" in log.read_text() and "Traceback" not in log.read_text()


def test_sigterm_mid_batch_finishes_the_current_item(
    db_url: str, charts: dict[str, Chart], smtp: SmtpSink, tmp_path: Path
) -> None:
    ids = seed(db_url, charts, 60)
    log = tmp_path / "w.log"
    args = ("--grace", "0", "--lease", "1", "--batch", "10")
    proc = start_worker(db_url, *args, env=worker_env(smtp.port), log=log)

    def term_at(count: int) -> None:
        if count == 15:
            os.kill(proc.pid, signal.SIGTERM)

    smtp.on_message = term_at
    assert proc.wait(15) == 0, log.read_text()
    smtp.on_message = None
    assert len(smtp.keys) < 60 and "stopped" in log.read_text()
    time.sleep(1.2)  # the leases of what it had claimed but not started
    again = start_worker(db_url, *args, "--once", env=worker_env(smtp.port), log=log)
    assert again.wait(15) == 0, log.read_text()
    check_consistent(db_url, ids)
    assert all(n == 1 for n in smtp.keys.values())  # a clean stop repeats nothing


def test_sqlite_file_away_and_back(
    sqlite_db: str, charts: dict[str, Chart], smtp: SmtpSink, tmp_path: Path
) -> None:
    path = Path(make_url(sqlite_db).database or "")
    away = path.with_suffix(".away")
    path.rename(away)  # gone before the worker starts
    log = tmp_path / "w.log"
    proc = start_worker(sqlite_db, "--grace", "0", env=worker_env(smtp.port), log=log)
    try:
        assert wait_for(lambda: "database unavailable" in log.read_text(), 10)
        away.rename(path)
        assert wait_for(lambda: "connected" in log.read_text(), 10), log.read_text()
        path.rename(away)  # gone while it runs
        assert wait_for(lambda: log.read_text().count("database unavailable") >= 2, 10)
        away.rename(path)
        seed(sqlite_db, charts, 3)
        assert wait_for(lambda: len(smtp.keys) == 3, 15), log.read_text()
    finally:
        assert stop_worker(proc) == 0
    assert path.is_file() and not away.exists()


def test_postgres_connection_refused_then_back(
    pg_url: str, charts: dict[str, Chart], smtp: SmtpSink, tmp_path: Path
) -> None:
    url = make_url(pg_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    via_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    log = tmp_path / "w.log"
    args = ("--grace", "0", "--poll", "0.1")
    proc = start_worker(via_proxy, *args, env=worker_env(smtp.port), log=log)
    try:
        assert wait_for(lambda: "database unavailable" in log.read_text(), 10)  # refused
        proxy.start()
        seed(pg_url, charts, 3)
        assert wait_for(lambda: len(smtp.keys) == 3, 15), log.read_text()
        before = log.read_text().count("database unavailable")
        proxy.stop()  # cut the connection while it runs
        assert wait_for(lambda: log.read_text().count("database unavailable") > before, 10)
        ids = seed(pg_url, charts, 2, late=timedelta(minutes=6), prefix="L")
        proxy.start()
        assert wait_for(lambda: len(smtp.keys) == 5, 15), log.read_text()
    finally:
        code = stop_worker(proc)
        proxy.stop()
    assert code == 0
    assert ids and all(n == 1 for n in smtp.keys.values())
