"""Failed deliveries back off exponentially, become dead letters after N attempts, and an
operator can list and retry them; an SMTP server that is down, then comes back."""

from __future__ import annotations

import itertools
import json
import time
from datetime import datetime
from pathlib import Path

import pytest

from engine import Chart, Engine, SystemClock
from engine.cli import main
from engine.notify.smtp import TransportError
from engine.service.ops import RetryPolicy
from engine.store.sql import SqlStore
from engine.worker import Worker, WorkerSettings
from tests.ops.helpers import (
    SmtpSink,
    rows,
    seed,
    start_worker,
    stop_worker,
    wait_for,
    worker_env,
)


class Flaky:
    """A transport that fails while ``down``; remembers every attempt's time."""

    def __init__(self) -> None:
        self.down = True
        self.attempts: list[tuple[str, datetime]] = []
        self.sent: list[str] = []

    def send(self, message: object, *, idempotency_key: str) -> None:
        self.attempts.append((idempotency_key, datetime.now()))
        if self.down:
            raise TransportError("connection refused")
        self.sent.append(idempotency_key)


def _worker(url: str, charts: dict[str, Chart], transport: Flaky) -> tuple[Worker, Engine]:
    policy = RetryPolicy(max_attempts=3, base=0.05, jitter=0.0, grace=0.0)
    settings = WorkerSettings(url, "test", batch=10, poll=0.01, lease=30, policy=policy)

    def make(store: SqlStore) -> Engine:
        return Engine(
            store,
            SystemClock(),
            tasks={"charge": lambda *_a, **_k: {}},
            transports={"email": transport},
            charts=list(charts.values()),
        )

    worker = Worker(settings, make)
    return worker, worker._connect()


def test_backoff_dead_letters_and_retry(
    db_url: str, charts: dict[str, Chart], capsys: pytest.CaptureFixture[str]
) -> None:
    seed(db_url, charts, 2)
    transport = Flaky()
    worker, engine = _worker(db_url, charts, transport)
    end = time.monotonic() + 10
    while worker.stats.dead < 2 and time.monotonic() < end:
        worker.run_pass(engine)
        time.sleep(0.01)
    assert worker.stats.dead == 2 and worker.stats.retried == 4
    store: SqlStore = engine.store  # type: ignore[assignment]
    dead = store.dead_letters()
    assert [d.attempts for d in dead] == [3, 3]
    assert dead[0].error is not None and "connection refused" in dead[0].error
    times = [t for k, t in transport.attempts if k == dead[0].id]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1  # exponential: 0.05 s, then 0.1 s

    assert main(["outbox", "--db", db_url, "--dead"]) == 0
    listed = capsys.readouterr().out
    assert dead[0].id in listed and "failed to send" in listed and "ATTEMPTS" in listed
    assert main(["outbox", "--db", db_url, "--dead", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {d["id"] for d in data} == {d.id for d in dead}

    transport.down = False
    assert main(["outbox", "--db", db_url, "--retry", dead[0].id]) == 0
    assert "pending again" in capsys.readouterr().out
    # a fresh count of attempts: one more failure would not make it dead again at once
    assert [i.attempts for i in store.pending_outbox() if i.id == dead[0].id] == [0]
    assert main(["outbox", "--db", db_url, "--retry", "nope"]) == 1
    assert "no dead letter" in capsys.readouterr().err
    assert main(["outbox", "--db", db_url]) == 0
    assert dead[0].id in capsys.readouterr().out
    worker.run_pass(engine)
    assert transport.sent == [dead[0].id]
    assert main(["outbox", "--db", db_url, "--retry-all", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"retried": [dead[1].id]}
    worker.run_pass(engine)
    assert transport.sent == [dead[0].id, dead[1].id]
    assert store.dead_letters() == () and store.pending_outbox() == ()
    worker._close()


def test_smtp_down_then_back(
    db_url: str, charts: dict[str, Chart], smtp_down: SmtpSink, tmp_path: Path
) -> None:
    seed(db_url, charts, 3)
    log = tmp_path / "w.log"
    args = ("--grace", "0", "--backoff", "0.1", "--max-attempts", "20")
    proc = start_worker(db_url, *args, env=worker_env(smtp_down.port), log=log)
    try:
        sql = "SELECT min(attempts) FROM statewise_outbox"
        assert wait_for(lambda: (rows(db_url, sql)[0][0] or 0) >= 2, 15), log.read_text()
        smtp_down.start()
        assert wait_for(lambda: len(smtp_down.keys) == 3, 15), log.read_text()
    finally:
        assert stop_worker(proc) == 0
    assert all(n == 1 for n in smtp_down.keys.values())
    assert "retrying" in log.read_text()
    assert rows(db_url, "SELECT count(*) FROM statewise_outbox WHERE status = 'done'") == [(3,)]
