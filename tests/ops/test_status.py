"""``statewise status`` and :func:`engine.ops.metrics.health`: queue depth, lag, dead letters
and leases, read from the database; limits turn it into a health check (exit 1)."""

from __future__ import annotations

import json
from datetime import timedelta

from engine import Chart
from engine.ops.metrics import health, problems, prometheus
from engine.store.sql import SqlStore
from tests.ops.helpers import seed
from tests.ops.test_commands import Capture, sw


def test_figures_of_a_busy_database(db_url: str, charts: dict[str, Chart], capsys: Capture) -> None:
    seed(db_url, charts, 4, late=timedelta(minutes=5))  # 4 timers due 5 minutes ago
    with SqlStore(db_url) as store:
        h = health(store)
        assert h.timers_due == 4 and 290 <= h.timer_lag <= 400
        assert (h.outbox_pending, h.outbox_retrying, h.outbox_dead) == (0, 0, 0)
        assert set(h.rows) >= {"statewise_instances", "statewise_audit", "statewise_archive"}
        if db_url.startswith("sqlite"):  # exact on SQLite; the planner's estimate on PostgreSQL
            assert h.rows["statewise_instances"] == 4 and h.rows["statewise_audit"] == 4
        assert abs(h.clock_offset) < 5
        store.claim_due_timers(store.database_now(), 3, "worker-a", timedelta(minutes=5))
        assert health(store).leases == {"worker-a": 3}
        assert problems(h, max_lag=60) == [
            f"the oldest due timer is {h.timer_lag:.0f} s late (limit 60 s)"
        ]
        assert problems(h, max_lag=3600, max_dead=0) == []
        text = prometheus(h)
        assert (
            "statewise_timers_due 4" in text and 'statewise_outbox_items{status="dead"} 0' in text
        )

    code, out, err = sw(capsys, "status", "--db", db_url)
    assert code == 0 and "timers due  4 (oldest" in out and "worker-a:3" in out
    code, out, err = sw(capsys, "status", "--db", db_url, "--json", "--max-lag", "60")
    report = json.loads(out)
    assert code == 1 and report["timers_due"] == 4 and len(report["problems"]) == 1
    assert "late (limit 60 s)" in err
    code, out, _ = sw(capsys, "status", "--db", db_url, "--prometheus", "--max-dead", "0")
    assert code == 0 and "# TYPE statewise_timer_lag_seconds gauge" in out


def test_outbox_figures(db_url: str, charts: dict[str, Chart]) -> None:
    seed(db_url, charts, 3, late=timedelta(minutes=5))
    with SqlStore(db_url) as store:
        from engine.ops.setup import deferred_engine
        from engine.service.batch import fire_timers

        engine = deferred_engine(store, list(charts.values()))
        now = store.database_now()
        fire_timers(
            engine,
            store.claim_due_timers(now, 10, "w", timedelta(minutes=5)),
            inline=lambda _d: False,
        )
        items = store.pending_outbox()
        assert len(items) == 3
        store.outbox_failed(items[0].id, "smtp down", dead=True)
        store.outbox_failed(items[1].id, "smtp down", next_attempt_at=now + timedelta(hours=1))
        h = health(store)
        assert (h.outbox_pending, h.outbox_retrying, h.outbox_dead) == (1, 1, 1)
        assert h.outbox_lag >= 0 and h.timers_due == 0
        assert problems(h, max_dead=0) == ["1 dead letter(s) (limit 0)"]
