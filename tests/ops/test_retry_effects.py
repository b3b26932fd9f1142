"""Engine.retry_effects() beside a running worker: every pending item is performed once.

retry_effects used to read every pending item, including the ones a worker had just claimed
(147 of 200 e-mails went out twice); it now claims its items with a lease, as a worker does.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from engine import Chart, EffectFailed, Engine, ManualClock, SystemClock
from engine.notify.smtp import SmtpTransport
from engine.store.sql import SqlStore
from tests.ops.helpers import SmtpSink, rows, seed, start_worker, stop_worker, wait_for, worker_env


class _Down:
    def send(self, message: Any, *, idempotency_key: str) -> None:
        raise OSError("the SMTP server is down")


def _fail_all(url: str, charts: dict[str, Chart]) -> int:
    """Fire every due timer while the mail server is down: each item stays pending, failed."""
    store = SqlStore(url)
    try:
        engine = Engine(
            store,
            ManualClock(datetime.now(UTC)),
            transports={"email": _Down()},
            charts=list(charts.values()),
            tasks={"charge": lambda *a, **k: None},
        )
        with pytest.raises(EffectFailed):
            engine.tick()
        return len(store.pending_outbox(1000))
    finally:
        store.close()


def test_retry_effects_beside_a_worker_sends_nothing_twice(
    db_url: str, charts: dict[str, Chart], smtp: SmtpSink, tmp_path: Path
) -> None:
    n = 200
    seed(db_url, charts, n)
    assert _fail_all(db_url, charts) == n
    smtp.on_message = lambda _count: time.sleep(0.01)  # so that both have work to share
    worker = start_worker(
        db_url, "--grace", "0", "--batch", "5", env=worker_env(smtp.port), log=tmp_path / "w.log"
    )
    store = SqlStore(db_url)
    retried = 0
    stop = threading.Event()
    try:
        mail = SmtpTransport("127.0.0.1", smtp.port, sender="workflow@example.com")
        engine = Engine(
            store,
            SystemClock(),
            transports={"email": mail},
            charts=list(charts.values()),
            tasks={"charge": lambda *a, **k: None},
        )
        assert wait_for(lambda: sum(smtp.keys.values()) >= 1, timeout=30)  # the worker is busy
        while not stop.is_set() and store.pending_outbox(1):
            retried += engine.retry_effects(limit=5)
            if sum(smtp.keys.values()) >= n:
                break
        assert wait_for(lambda: sum(smtp.keys.values()) >= n, timeout=60)
    finally:
        stop.set()
        store.close()
        stop_worker(worker)
    assert len(smtp.keys) == n
    twice = [k for k, c in smtp.keys.items() if c > 1]
    assert twice == [], f"{len(twice)} e-mails sent more than once"
    assert 0 < retried < n  # both took part
    done = rows(db_url, "SELECT count(*) FROM statewise_outbox WHERE status = 'done'")
    assert done == [(n,)]
