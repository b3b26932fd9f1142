"""Every query the worker, the queue pages, the API and housekeeping run uses an index, on
PostgreSQL at a realistic size: 300,000 instances, 2.4 million audit rows, 400,000 outbox
items, 240,000 timers, 100,000 archived instances (generated with set-based SQL once for the
module, then ANALYZEd). Each statement is the one the store really runs (its compiled
text), explained with realistic parameters; the plan must reach the big tables through the
expected index and never scan them whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from engine.store.sql import SqlStore
from engine.store.sql.units import json_time
from tests.databases import fresh_pg_database, plain

NOW = datetime(2026, 1, 15, tzinfo=UTC)
INSTANCES = 300_000
BIG = ("statewise_instances", "statewise_audit", "statewise_outbox", "statewise_timers",
       "statewise_archive")  # fmt: skip

FILL = f"""
SET session_replication_role = replica;  -- rows are consistent by construction: skip FK checks
INSERT INTO statewise_chart_versions (chart, version, source_hash, source, created) VALUES
  ('big.order', 1, 'h', NULL, now()), ('big.item', 1, 'h', NULL, now()),
  ('small.chart', 1, 'h', NULL, now());
INSERT INTO statewise_instances (id, chart, chart_version, business_key, parent, spawn,
  configuration, state, state_since, context, history, timers, done, status, row_version,
  created, updated)
SELECT 'i' || lpad(g::text, 8, '0'),
  CASE WHEN g % 10 = 0 THEN 'big.item' WHEN g % 1000 = 1 THEN 'small.chart' ELSE 'big.order' END,
  1, 'K' || g,
  CASE WHEN g % 10 = 0 THEN 'i' || lpad((g - 1)::text, 8, '0') END,
  CASE WHEN g % 10000 = 0 THEN 'rare@7' WHEN g % 10 = 0 THEN 'items@2' END,
  '["s"]',
  (ARRAY['pending', 'paid', 'packing', 'shipped', 'completed', 'cancelled', 'waiting', 'review'])[1 + g % 8],
  timestamptz '2025-10-01' + (g % 100000) * interval '2 minutes',
  '{{"total": 12}}', '{{}}', '{{}}', g % 5 <> 0,
  CASE WHEN g % 5 <> 0 THEN 'done' ELSE 'active' END, 8,
  timestamptz '2025-06-01' + g * interval '1 minute',
  timestamptz '2025-10-01' + (g % 100000) * interval '2 minutes'
FROM generate_series(1, {INSTANCES}) g;
INSERT INTO statewise_audit (instance_id, seq, line, kind, event, data, from_configuration,
  to_configuration, actor, note, client_note, time, origin, changes, effects)
SELECT 'i' || lpad(g::text, 8, '0'), s, 0, 'event', 'go', '{{}}', '["a"]', '["b"]', NULL, NULL,
  NULL, timestamptz '2025-10-01' + s * interval '1 hour', 'external', '{{}}', '[]'
FROM generate_series(1, {INSTANCES}) g, generate_series(1, 8) s;
INSERT INTO statewise_timers (instance_id, timer_id, due, lease_owner, lease_until)
SELECT 'i' || lpad(g::text, 8, '0'), 'waiting#' || k,
  timestamptz '2026-01-14' + ((g + k * 7919) % 86400) * interval '1 minute',  -- 1 day due
  CASE WHEN g % 50 = 0 THEN 'w1' END,
  CASE WHEN g % 50 = 0 THEN timestamptz '2026-01-15 00:05' END
FROM generate_series(5, {INSTANCES}, 5) g, generate_series(0, 3) k;
INSERT INTO statewise_outbox (id, instance_id, seq, position, kind, payload, status, attempts,
  next_attempt_at, last_error, lease_owner, created)
SELECT 'i' || lpad(g::text, 8, '0') || ':' || s || ':0', 'i' || lpad(g::text, 8, '0'), s, 0,
  'NotifyRequested', '{{}}',
  CASE WHEN g % 200 = 0 THEN 'pending' WHEN g % 401 = 0 THEN 'failed'
       WHEN g % 2003 = 0 THEN 'dead' ELSE 'done' END,
  1, timestamptz '2025-11-01' + g * interval '20 seconds', NULL, NULL,
  timestamptz '2025-11-01' + g * interval '20 seconds'
FROM generate_series(1, 200000) g, generate_series(2, 3) s;
INSERT INTO statewise_archive (id, chart, chart_version, business_key, parent, state, created,
  finished, archived, record)
SELECT 'a' || lpad(g::text, 8, '0'), CASE WHEN g % 100 = 0 THEN 'small.chart' ELSE 'big.order' END,
  1, 'A' || g, NULL, 'completed',
  timestamptz '2024-01-01', timestamptz '2024-06-01', timestamptz '2025-01-01' + g * interval '1 minute',
  '{{}}'
FROM generate_series(1, 100000) g;
SET session_replication_role = DEFAULT;
ANALYZE;
"""


@pytest.fixture(scope="module")
def big() -> Iterator[tuple[SqlStore, psycopg.Connection[Any]]]:
    for url in fresh_pg_database("statewise_indexes"):
        with psycopg.connect(plain(url), autocommit=True) as conn:
            conn.execute(FILL)
            store = SqlStore(url)
            try:
                yield store, conn
            finally:
                store.close()


def plan_of(conn: psycopg.Connection[Any], sql: str, args: Any) -> dict[str, Any]:
    row = conn.execute(f"EXPLAIN (FORMAT JSON) {sql}", args).fetchone()
    assert row is not None
    found = row[0] if not isinstance(row[0], str) else json.loads(row[0])
    return found[0]["Plan"]  # type: ignore[no-any-return]


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def check(conn: psycopg.Connection[Any], sql: str, args: Any, *indexes: str) -> None:
    """``sql`` reads the big tables only through indexes, among them ``indexes``."""
    plan = plan_of(conn, sql, args)
    seen = list(nodes(plan))
    scans = [(n["Node Type"], n.get("Relation Name"), n.get("Index Name")) for n in seen]
    whole = [s for s in scans if s[0] == "Seq Scan" and s[1] in BIG]
    assert not whole, f"whole-table scans {whole} in {json.dumps(plan, indent=1)[:3000]}"
    used = {s[2] for s in scans if s[2]}
    assert set(indexes) <= used, f"expected {indexes}, used {used}: {scans}"


def t(value: datetime) -> datetime:
    return value


ONE = "i00000123"
IDS = [f"i{n:08d}" for n in range(1000, 1500)]


def test_an_instance_its_key_its_children_its_trail(big: tuple[SqlStore, Any]) -> None:
    store, conn = big
    sql = store._sql
    check(conn, sql.load, (ONE,), "uq_statewise_instances_id")
    check(conn, sql.find, ("big.order", "K123"), "uq_statewise_instances_chart_business_key")
    check(conn, sql.children, ("i00000129",), "ix_statewise_instances_parent")
    check(conn, sql.history, (ONE,), "pk_statewise_audit")
    check(conn, sql.version_of, (ONE,), "uq_statewise_instances_id")
    check(conn, sql.load_many, (IDS,), "uq_statewise_instances_id")


def test_saves_reach_the_instance_by_its_id(big: tuple[SqlStore, Any]) -> None:
    store, conn = big
    assert store._pg is not None
    head = ('["s"]', "paid", NOW, "{}", "{}", "{}", "{}", False, "active", 9, NOW, ONE, 8)
    audit = [(ONE, 9, 0, "event", "go", "{}", '["a"]', '["b"]', None, None, None, NOW,
              "external", None, "{}", "[]")]  # fmt: skip
    from engine.store.sql.rows import UnitRows

    rows = UnitRows(audit, [(ONE, "t", NOW)], [(ONE, "u")], [])
    sql, args = store._pg.one(head, rows, None)
    check(conn, sql, args, "uq_statewise_instances_id")
    units = [(i, '["s"]', "paid", json_time(NOW), "{}", "{}", "{}", "{}", False, "active", 8,
              json_time(NOW), None) for i in IDS[:100]]  # fmt: skip
    batch_rows = [UnitRows([(i, 9, 0, "event", "go", "{}", "[]", "[]", None, None, None,
                             json_time(NOW), "timer", None, "{}", "[]")], [], [(i, "waiting#0")],
                           []) for i in IDS[:100]]  # fmt: skip
    check(conn, store._pg.batch, store._pg.batch_args(units, batch_rows), "uq_statewise_instances_id")


def test_worker_claims(big: tuple[SqlStore, Any]) -> None:
    store, conn = big
    q = store._queue_sql
    lease = NOW + timedelta(minutes=5)
    check(conn, q.claim_timers, ("w2", lease, NOW, NOW, 100), "ix_statewise_timers_due")
    check(conn, q.claim_outbox, (lease, "w2", NOW, 100), "ix_statewise_outbox_status_next_attempt_at")
    check(conn, store._sql.due, (NOW, NOW, 100), "ix_statewise_timers_due")
    check(conn, store._sql.outbox_done_many, ([f"{i}:2:0" for i in IDS],), "pk_statewise_outbox")


def test_queue_pages(big: tuple[SqlStore, Any]) -> None:
    store, conn = big
    q = store._queue_sql
    by_state = "ix_statewise_instances_chart_state_state_since_n"
    check(conn, q.listing(state=True, tag=False, status=False, after=False),
          ("big.order", "packing", 51), by_state)  # fmt: skip
    check(conn, q.listing(state=True, tag=False, status=False, after=True),
          ("big.order", "packing", NOW - timedelta(days=60), 5000, 51), by_state)  # fmt: skip
    check(conn, q.listing(state=True, tag=False, status=True, after=False),
          ("big.order", "packing", "active", 51), by_state)  # fmt: skip
    check(conn, q.listing(state=False, tag=False, status=False, after=True),
          ("small.chart", 150000, 51), "ix_statewise_instances_chart_n")  # fmt: skip
    check(conn, q.listing(state=False, tag=True, status=False, after=False),
          ("big.item", "rare@7", 51), "ix_statewise_instances_spawn")  # fmt: skip
    check(conn, q.count_by_state[False], ("small.chart",), by_state)
    check(conn, q.dead_letters, (100,), "ix_statewise_outbox_status_next_attempt_at")
    check(conn, store._sql.pending_outbox, (100,), "ix_statewise_outbox_status_next_attempt_at")


def test_housekeeping(big: tuple[SqlStore, Any]) -> None:
    store, conn = big
    r = store._rsql
    check(conn, r.purge, (NOW - timedelta(days=30), 1000), "ix_statewise_outbox_done")
    check(conn, r.candidates, (NOW - timedelta(days=90), 500), "ix_statewise_instances_finished",
          "ix_statewise_instances_parent", "ix_statewise_outbox_instance_id")  # fmt: skip
    check(conn, r.audit_of, (IDS,), "pk_statewise_audit")
    for statement, index in zip(r.delete, ("pk_statewise_audit", "ix_statewise_outbox_instance_id",
                                           "pk_statewise_timers", "uq_statewise_instances_id"),
                                strict=True):  # fmt: skip
        check(conn, statement, (IDS,), index)
    check(conn, r.record, ("a00000042",), "pk_statewise_archive")
    check(conn, r.listing(True, True, False, False, False), ("big.order", "A42", 51),
          "ix_statewise_archive_chart_business_key")  # fmt: skip
    check(conn, r.listing(True, False, True, False, False),
          ("small.chart", NOW - timedelta(days=330), "a0005", 51),
          "ix_statewise_archive_chart_archived_id")  # fmt: skip
    check(conn, r.listing(False, False, True, True, True),
          (NOW, NOW - timedelta(days=300), "a0005", 1000),
          "ix_statewise_archive_archived_id")  # fmt: skip


def test_lost_spawn_completions(big: tuple[SqlStore, Any]) -> None:
    """The housekeeping query for spawns nobody announced: children through the partial
    ``spawn`` index, parents by id, their audit lines by the audit's key."""
    from engine.store.sql.spawns import unannounced_sql

    _store, conn = big
    check(conn, unannounced_sql(True), (NOW - timedelta(minutes=5), "", "", "", 200),
          "ix_statewise_instances_spawn", "uq_statewise_instances_id",
          "pk_statewise_audit")  # fmt: skip


def test_health_figures(big: tuple[SqlStore, Any]) -> None:
    store, conn = big
    figures = store.figures(NOW)
    assert figures.timers_due > 0 and figures.outbox["pending"] > 0
    assert figures.rows["statewise_audit"] > 2_000_000  # the planner's estimate
    for sql, args, index in (
        ("SELECT count(*) FROM (SELECT 1 FROM statewise_timers WHERE due <= %s LIMIT 100000) c",
         (NOW,), "ix_statewise_timers_due"),
        ("SELECT min(due) FROM statewise_timers", (), "ix_statewise_timers_due"),
        ("SELECT lease_owner, count(*) FROM (SELECT lease_owner FROM statewise_timers WHERE "
         "due <= %s AND lease_until > %s LIMIT 100000) l GROUP BY lease_owner", (NOW, NOW),
         "ix_statewise_timers_due"),
        ("SELECT min(created) FROM statewise_outbox WHERE status = 'done'", (), "ix_statewise_outbox_done"),
        ("SELECT min(state_since) FROM statewise_instances WHERE status = 'done'", (), "ix_statewise_instances_finished"),
        ("SELECT count(*) FROM (SELECT 1 FROM statewise_outbox WHERE status = 'dead' LIMIT 100000) c",
         (), "ix_statewise_outbox_status_next_attempt_at"),
        ("SELECT min(next_attempt_at) FROM statewise_outbox WHERE status = 'pending'", (),
         "ix_statewise_outbox_status_next_attempt_at"),
    ):  # fmt: skip
        check(conn, sql, args, index)
