"""Queue listing latency with a million stored instances (part of bench_store.py).

The rows are bulk-inserted with the driver (``executemany`` on SQLite, ``COPY`` on
PostgreSQL) with the instance table's secondary indexes dropped and built again afterwards,
then ``ANALYZE``. Latencies go through ``SqlStore.list_instances`` and include decoding the
page into ``InstanceSummary`` lines.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.schema import CreateIndex, DropIndex

from engine.store.sql import SqlStore
from engine.store.sql.driver import sqlite_time
from engine.store.sql.tables import instances

__all__ = ["listing_latency", "listing_table"]

CHART = "bench.queue"
STATES = (
    "pending",
    "awaiting_payment",
    "paid",
    "allocated",
    "packing",
    "ready_to_ship",
    "shipped",
    "completed",
)
CONTEXT = '{"total":{"$dec":"120.50"},"credit_limit":{"$dec":"500"},"payments":0}'
COLUMNS = (
    "id, chart, chart_version, business_key, parent, spawn, configuration, state, "
    "state_since, context, history, timers, done, status, row_version, created, updated"
)


def _rows(n: int, pg: bool) -> Iterator[tuple[Any, ...]]:
    base = datetime(2026, 11, 1, tzinfo=UTC)
    rng = random.Random(7)
    for i in range(n):
        state = STATES[i % len(STATES)]
        since = base + timedelta(seconds=rng.randrange(30 * 86400))
        created = base - timedelta(seconds=n - i)
        times = (since, created) if pg else (sqlite_time(since), sqlite_time(created))
        yield (
            f"q{i:08d}",
            CHART,
            1,
            f"K{i:08d}",
            None,
            None,
            f'["{state}"]',
            state,
            times[0],
            CONTEXT,
            "{}",
            "{}",
            state == "completed",
            "done" if state == "completed" else "active",
            1,
            times[1],
            times[0],
        )


def _bulk_insert(
    store: SqlStore, n: int, rows: Iterator[tuple[Any, ...]] | None = None, chart: str = CHART
) -> float:
    """Insert ``rows`` (default: this module's queue rows) for ``chart``, indexes rebuilt
    afterwards; returns the seconds it took."""
    engine = store._db.engine
    pg = engine.dialect.name == "postgresql"
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO statewise_chart_versions (chart, version, source_hash, created) "
            + ("VALUES (%s, 1, '', %s)" if pg else "VALUES (?, 1, '', ?)")
            + " ON CONFLICT DO NOTHING",
            (chart, datetime.now(UTC) if pg else sqlite_time(datetime.now(UTC))),
        )
        for ix in instances.indexes:
            conn.execute(DropIndex(ix))
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if pg:
            with cur.copy(f"COPY statewise_instances ({COLUMNS}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows if rows is not None else _rows(n, pg=True):
                    copy.write_row(row)
        else:
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("BEGIN")
            marks = ", ".join("?" * 17)
            cur.executemany(
                f"INSERT INTO statewise_instances ({COLUMNS}) VALUES ({marks})",
                rows if rows is not None else _rows(n, pg=False),
            )
            cur.execute("COMMIT")
        raw.commit()
    finally:
        raw.close()
    with engine.begin() as conn:
        for ix in instances.indexes:
            conn.execute(CreateIndex(ix))
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return time.perf_counter() - start


def _ms(call: Any) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def listing_latency(url: str, n: int) -> dict[str, float]:
    """Load ``n`` instances, then time listings (milliseconds) on a newly opened store."""
    with SqlStore(url, create=True) as store:
        print(f"bulk insert of {n:,} instances into {store.url} ...", flush=True)
        seconds = _bulk_insert(store, n)
        print(f"  {seconds:.1f} s ({n / seconds:,.0f} rows/s)", flush=True)
    with SqlStore(url) as store:
        first = _ms(lambda: store.list_instances(CHART, state="packing", limit=50))
        page = store.list_instances(CHART, state="packing", limit=50)
        assert len(page.items) == 50 and page.next is not None
        assert all(
            a.state_since <= b.state_since for a, b in zip(page.items, page.items[1:], strict=False)
        )
        warm = [
            _ms(lambda: store.list_instances(CHART, state="packing", limit=50)) for _ in range(30)
        ]
        nxt = [
            _ms(lambda: store.list_instances(CHART, state="packing", after=page.next))
            for _ in range(10)
        ]
        plain = [_ms(lambda: store.list_instances(CHART, limit=50)) for _ in range(10)]
        done = [
            _ms(lambda: store.list_instances(CHART, state="completed", status="done"))
            for _ in range(10)
        ]
        after = page.next
        for _ in range(100):  # page 101: the cursor keeps deep pages as cheap as the first
            after = store.list_instances(CHART, state="packing", after=after).next
        deep = [
            _ms(lambda: store.list_instances(CHART, state="packing", after=after))
            for _ in range(10)
        ]
        count = _ms(lambda: store.count_by_state(CHART))
    result = {
        "first page of one state, first call": first,
        "first page of one state (median)": statistics.median(warm),
        "next page (cursor)": statistics.median(nxt),
        "page 102 (cursor)": statistics.median(deep),
        "first page, all states (creation order)": statistics.median(plain),
        "first page of one state and status": statistics.median(done),
        "count_by_state (every row)": count,
    }
    for k, v in result.items():
        print(f"  {k}: {v:.2f} ms")
    return result


def listing_table(results: list[tuple[str, dict[str, float]]], n: int) -> str:
    names = [name for name, _ in results]
    lines = [
        f"Queue listing with {n:,} instances stored (one chart, {len(STATES)} states, 50 lines "
        "per page, through `SqlStore.list_instances`; target for the first page: < 50 ms):",
        "",
        "| query | " + " | ".join(f"{name} (ms)" for name in names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for query in results[0][1]:
        cells = " | ".join(f"{r[query]:.2f}" for _, r in results)
        lines.append(f"| {query} | {cells} |")
    worst = max(r["first page of one state (median)"] for _, r in results)
    lines.append("")
    lines.append(
        f"First page: at most **{worst:.2f} ms** (target < 50 ms: "
        f"{'met' if worst < 50 else 'NOT met'}). `count_by_state` reads every index entry of "
        "the chart and is shown for scale; it is not a page query."
    )
    return "\n".join(lines)
