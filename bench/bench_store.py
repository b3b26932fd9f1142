"""The durable path: events/s through ``Engine.send`` on SqlStore, beside the same minimal work
written by hand, and the first page of a queue listing with 1,000,000 instances stored.

Backends: SQLite files in WAL mode with ``synchronous=NORMAL`` and ``FULL``, and PostgreSQL
(``STATEWISE_BENCH_POSTGRES_URL``, default the local server; skipped when unreachable).
Per backend, in the same run, on the same tables (created by SqlStore), with rounds
interleaved and medians reported:

* **statewise**: the order workload of bench_engine.py (7 events per instance, round robin)
  through ``Engine.send``: load, step, one unit of work (instance row, audit row) committed;
* **raw driver by hand**: ``sqlite3`` / ``psycopg`` doing the minimal work per event: begin,
  read the row, check the version, update it, insert one audit row, commit;
* **SQLAlchemy Core by hand**: the same work with Core statements built once, executed in
  ``engine.begin()`` blocks.

The listing: 1,000,000 instance rows bulk-inserted (indexes built afterwards), then the first
page (50 lines) of one state, longest waiting first, through ``SqlStore.list_instances``.

    .venv/bin/python bench/bench_store.py [--instances 2000] [--pg-instances 500]
        [--rounds 5] [--listing-rows 1000000] [--no-listing] [--no-write]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_engine import CHART, EVENTS  # noqa: E402
from bench.pg import pg_database  # noqa: E402
from bench.report import write_section  # noqa: E402
from bench.store_listing import listing_latency  # noqa: E402
from engine import Engine, load_text  # noqa: E402
from engine.store.sql import SqlStore  # noqa: E402

NEXT = dict(
    zip(EVENTS, ("awaiting_payment", "paid", "allocated", "packing", "ready_to_ship", "shipped", "completed"), strict=True)
)  # fmt: skip
CONTEXT = {"total": "120.50", "credit_limit": "500"}
AUDIT_COLUMNS = (
    "instance_id, seq, line, kind, event, data, from_configuration, to_configuration, actor, "
    "note, client_note, time"
)
Loop = Callable[[list[str], str], None]


# -- the contenders -------------------------------------------------------------------------


def engine_loop(store: SqlStore) -> Loop:
    engine = Engine(store, charts=[load_text(CHART)])

    def run(ids: list[str], event: str) -> None:
        send = engine.send
        for iid in ids:
            send(iid, event)

    return run


def raw_sqlite_loop(path: str, synchronous: str) -> Loop:
    import sqlite3
    from datetime import UTC, datetime

    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")
    cur = conn.cursor()
    select = "SELECT state, context, row_version FROM statewise_instances WHERE id = ?"
    update = (
        "UPDATE statewise_instances SET configuration = ?, state = ?, state_since = ?, "
        "row_version = ?, updated = ? WHERE id = ? AND row_version = ?"
    )
    insert = f"INSERT INTO statewise_audit ({AUDIT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"

    def run(ids: list[str], event: str) -> None:
        new = NEXT[event]
        conf = f'["{new}"]'
        for iid in ids:
            now = datetime.now(UTC).isoformat(" ", "microseconds")[:26]
            cur.execute("BEGIN IMMEDIATE")
            state, _context, version = cur.execute(select, (iid,)).fetchone()
            cur.execute(update, (conf, new, now, version + 1, now, iid, version))
            if cur.rowcount != 1:
                raise RuntimeError("conflict")
            line = (iid, version + 1, 0, "event", event, "{}", f'["{state}"]', conf)
            cur.execute(insert, (*line, None, None, None, now))
            cur.execute("COMMIT")

    return run


def raw_pg_loop(url: str, *, pipeline: bool = False) -> Loop:
    from datetime import UTC, datetime

    import psycopg

    conn = psycopg.connect(url, options="-c timezone=UTC")
    cur, guard = conn.cursor(), conn.cursor()
    select = "SELECT state, context, row_version FROM statewise_instances WHERE id = %s"
    update = (
        "UPDATE statewise_instances SET configuration = %s, state = %s, state_since = %s, "
        "row_version = %s, updated = %s WHERE id = %s AND row_version = %s"
    )
    insert = f"INSERT INTO statewise_audit ({AUDIT_COLUMNS}) VALUES ({', '.join(['%s'] * 12)})"

    def run(ids: list[str], event: str) -> None:
        new = NEXT[event]
        conf = f'["{new}"]'
        for iid in ids:
            now = datetime.now(UTC)
            cur.execute(select, (iid,))
            state, _context, version = cur.fetchone()  # type: ignore[misc]
            args = (conf, new, now, version + 1, now, iid, version)
            head = (iid, version + 1, 0, "event", event, "{}", f'["{state}"]', conf)
            line = (*head, None, None, None, now)
            if pipeline:
                with conn.pipeline():
                    guard.execute(update, args)
                    cur.execute(insert, line)
            else:
                guard.execute(update, args)
                cur.execute(insert, line)
            if guard.rowcount != 1:
                raise RuntimeError("conflict")
            conn.commit()

    return run


def core_loop(store: SqlStore) -> Loop:
    from datetime import UTC, datetime

    from sqlalchemy import bindparam, insert, select, update

    from engine.store.sql.tables import audit, instances

    engine, c = store._db.engine, instances.c
    read = select(c.state, c.context, c.row_version).where(c.id == bindparam("iid"))
    write = (
        update(instances)
        .where(c.id == bindparam("iid"), c.row_version == bindparam("expected"))
        .values(
            configuration=bindparam("conf"),
            state=bindparam("new"),
            state_since=bindparam("now"),
            row_version=bindparam("version"),
            updated=bindparam("now"),
        )
    )
    line = insert(audit)

    def run(ids: list[str], event: str) -> None:
        new = NEXT[event]
        conf = f'["{new}"]'
        for iid in ids:
            now = datetime.now(UTC)
            with engine.begin() as conn:
                state, _context, version = conn.execute(read, {"iid": iid}).one()
                params = {"conf": conf, "new": new, "now": now, "version": version + 1}
                done = conn.execute(write, {**params, "iid": iid, "expected": version})
                if done.rowcount != 1:
                    raise RuntimeError("conflict")
                conn.execute(
                    line,
                    {
                        "instance_id": iid,
                        "seq": version + 1,
                        "line": 0,
                        "kind": "event",
                        "event": event,
                        "data": "{}",
                        "from_configuration": f'["{state}"]',
                        "to_configuration": conf,
                        "time": now,
                    },
                )

    return run


# -- measuring ------------------------------------------------------------------------------


def fresh_instances(store: SqlStore, n: int) -> list[str]:
    engine = Engine(store, charts=[load_text(CHART)])
    return [engine.start(CHART_ID, CONTEXT).id for _ in range(n)]


CHART_ID = load_text(CHART).id


def measure(
    store: SqlStore, loops: dict[str, Loop], n: int, rounds: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Median events/s per contender, and the median per-round ratio statewise ÷ contender.

    The contenders take turns event by event (each fires one event on all its instances,
    the order rotating), so a change in the machine's load hits them all alike; the ratio
    of each round compares figures measured side by side.
    """
    names = list(loops)
    rates: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        ids = {name: fresh_instances(store, n) for name in names}
        spent = dict.fromkeys(names, 0.0)
        gc.collect()
        for k, event in enumerate(EVENTS):
            turn = (r + k) % len(names)
            for name in names[turn:] + names[:turn]:
                start = time.perf_counter()
                loops[name](ids[name], event)
                spent[name] += time.perf_counter() - start
        for name in names:
            rates[name].append(n * len(EVENTS) / spent[name])
        print(f"  round {r + 1}: " + ", ".join(f"{k} {v[-1]:,.0f}/s" for k, v in rates.items()))
    ours = rates["statewise"]
    ratios = {
        name: statistics.median(a / b for a, b in zip(ours, rates[name], strict=True))
        for name in names
    }
    return {name: statistics.median(v) for name, v in rates.items()}, ratios


Measured = tuple[dict[str, float], dict[str, float]]


def sqlite_backend(folder: str, sync: str, n: int, rounds: int) -> Measured:
    path = os.path.join(folder, f"bench-{sync.lower()}.db")
    store = SqlStore(f"sqlite:///{path}", create=True, sqlite_synchronous=sync)
    print(f"SQLite WAL synchronous={sync}: {n} instances x {len(EVENTS)} events, {rounds} rounds")
    loops = {
        "statewise": engine_loop(store),
        "raw": raw_sqlite_loop(path, sync),
        "core": core_loop(store),
    }
    try:
        return measure(store, loops, n, rounds)
    finally:
        store.close()


def pg_backend(url: str, n: int, rounds: int) -> Measured:
    store = SqlStore(url.replace("postgresql://", "postgresql+psycopg://", 1), create=True)
    print(f"PostgreSQL: {n} instances x {len(EVENTS)} events, {rounds} rounds")
    loops = {
        "statewise": engine_loop(store),
        "raw": raw_pg_loop(url),
        "raw_pipelined": raw_pg_loop(url, pipeline=True),
        "core": core_loop(store),
    }
    try:
        return measure(store, loops, n, rounds)
    finally:
        store.close()


LABELS = {
    "statewise": "statewise `Engine.send` on SqlStore",
    "raw": "raw driver by hand",
    "raw_pipelined": "raw driver by hand, pipelined",
    "core": "SQLAlchemy Core by hand, statements built once",
}


def durable_table(results: dict[str, Measured]) -> str:
    lines = [
        "| backend | contender | events/s (median) | statewise ÷ this (median of rounds) |",
        "|---|---|---:|---:|",
    ]
    for backend, (rates, ratios) in results.items():
        for name, rate in rates.items():
            lines.append(f"| {backend} | {LABELS[name]} | {rate:,.0f} | {ratios[name]:.2f} |")
    lines.append("")
    for backend, (_, ratios) in results.items():
        raw, core = ratios["raw"], ratios["core"]
        lines.append(
            f"- {backend}: statewise reaches **{raw:.0%}** of the raw driver (target ≥ 50%: "
            f"{'met' if raw >= 0.5 else 'NOT met'}) and **{core:.2f}x** hand-written "
            f"SQLAlchemy Core (target ≥ 1: {'met' if core >= 1 else 'NOT met'})."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--pg-instances", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--listing-rows", type=int, default=1_000_000)
    parser.add_argument("--no-listing", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = parser.parse_args(argv)
    results: dict[str, Measured] = {}
    listing: list[tuple[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="statewise-bench-") as folder:
        for sync in ("NORMAL", "FULL"):
            results[f"SQLite WAL, {sync}"] = sqlite_backend(
                folder, sync, args.instances, args.rounds
            )
        with pg_database() as url:
            if url is not None:
                results["PostgreSQL 15"] = pg_backend(url, args.pg_instances, args.rounds)
        if not args.no_listing:
            listing.append(
                ("SQLite", listing_latency(f"sqlite:///{folder}/q.db", args.listing_rows))
            )
            with pg_database() as url:
                if url is not None:
                    pg = url.replace("postgresql://", "postgresql+psycopg://", 1)
                    listing.append(("PostgreSQL 15", listing_latency(pg, args.listing_rows)))
    body = durable_table(results)
    print(body)
    if listing:
        from bench.store_listing import listing_table

        body += "\n\n" + listing_table(listing, args.listing_rows)
        print(listing_table(listing, args.listing_rows))
    if not args.no_write:
        text = (
            "Command: `.venv/bin/python bench/bench_store.py`. Every event is one durable "
            "transaction. Per backend, in the same run and on the same "
            "tables (created by SqlStore), statewise runs the order workload of the in-memory "
            f"benchmark ({len(EVENTS)} events per instance, round robin: {args.instances} "
            f"instances on SQLite, {args.pg_instances} on PostgreSQL) through `Engine.send` "
            "(load, step, the instance row and one audit row committed), beside the same "
            "minimal work written by hand: begin, read the row, check its version, update it, "
            "insert one audit row, commit. The contenders take turns event by event (each "
            "fires one event on all its instances, in rotating order), so the machine's load "
            "changes hit them alike; events/s are medians of "
            f"{args.rounds} rounds, ratios the medians of each round's ratio. On PostgreSQL statewise saves a unit of work "
            "as one statement (data-modifying CTEs, its own transaction: one round trip), "
            "where the hand-written loops send BEGIN, the statements and COMMIT (plainly, "
            "or as a pipeline).\n\n" + body
        )
        write_section(ROOT / "docs" / "performance.md", "Durable store", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
