"""Timers fired per second by ``statewise worker`` processes: one and two workers on
PostgreSQL, one on SQLite (a file, WAL, synchronous NORMAL).

N instances are started with their timer due a few seconds in the future, so the workers
are up and polling when the timers fall due; the rate is N divided by the time from the
due moment until the timer index is empty (read every 20 ms). Each timer step moves the
instance to a final state and writes one audit line (no effects), so the figure is the
claim + load + step + commit loop of the worker. Workers run with ``--batch 100 --poll
0.05``. PostgreSQL comes from ``STATEWISE_BENCH_POSTGRES_URL`` (default the local server;
skipped when unreachable).

    .venv/bin/python bench/bench_workers.py [--instances 3000] [--no-write]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pg import pg_database  # noqa: E402
from bench.report import write_section  # noqa: E402
from engine import Engine, ManualClock, load_text  # noqa: E402
from engine.store.sql import SqlStore  # noqa: E402

CHART = """
id: bench.timer
version: 1
states:
  waiting:
    after:
      - delay: 1m
        target: done
  done: {type: final}
"""
LEAD = 4.0  # seconds between starting the workers and the timers falling due


def seed(url: str, n: int, definitions: Path) -> datetime:
    """``n`` instances whose timer is due ``LEAD`` seconds from now; returns the due time."""
    chart = load_text(CHART)
    due = datetime.now(UTC) + timedelta(seconds=LEAD)
    store = SqlStore(url, create=True)
    try:
        engine = Engine(store, ManualClock(due - timedelta(minutes=1)), charts=[chart])
        for _ in range(n):
            engine.start(chart)
    finally:
        store.close()
    (definitions / "timer.yaml").write_text(CHART, encoding="utf-8")
    return due


def run(url: str, n: int, workers: int, folder: Path) -> float:
    """Timers per second with ``workers`` worker processes."""
    definitions = folder / "defs"
    definitions.mkdir(exist_ok=True)
    due = seed(url, n, definitions)
    cmd = [sys.executable, "-m", "engine", "worker", "--db", url, "--definitions",
           str(definitions), "--batch", "100", "--poll", "0.05", "--grace", "0",
           "--log-level", "WARNING"]  # fmt: skip
    procs = [
        subprocess.Popen([*cmd, "--owner", f"bench{i}"], cwd=ROOT, stderr=subprocess.DEVNULL)
        for i in range(workers)
    ]
    store = SqlStore(url)
    try:
        while datetime.now(UTC) < due:
            time.sleep(0.005)
        start = time.perf_counter()
        while store.due(datetime.now(UTC) + timedelta(days=1), 1):
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
    finally:
        store.close()
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
    return n / elapsed


def _scaling(rates: dict[tuple[str, int], list[float]]) -> str:
    """What a second worker did on PostgreSQL in this run, in words."""
    one, two = rates.get(("PostgreSQL 15", 1)), rates.get(("PostgreSQL 15", 2))
    if not one or not two:
        return ""
    ratio = statistics.median(two) / statistics.median(one)
    return f"In this run two workers made {ratio:.2f}x the rate of one."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = parser.parse_args(argv)
    n = args.instances
    rates: dict[tuple[str, int], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="statewise-bench-") as tmp:
        folder = Path(tmp)
        for r in range(args.rounds):  # rounds interleaved, medians reported
            rate = run(f"sqlite:///{folder}/w{r}.db", n, 1, folder)
            rates.setdefault(("SQLite file (WAL, NORMAL)", 1), []).append(rate)
            print(f"SQLite, 1 worker: {rate:,.0f} timers/s", flush=True)
            for workers in (1, 2):
                with pg_database("postgresql+psycopg") as url:
                    if url is None:
                        break
                    rate = run(url, n, workers, folder)
                    rates.setdefault(("PostgreSQL 15", workers), []).append(rate)
                    print(f"PostgreSQL, {workers} worker(s): {rate:,.0f} timers/s", flush=True)
    rows = [(db, w, statistics.median(r), min(r), max(r)) for (db, w), r in rates.items()]
    body = (
        f"`bench/bench_workers.py`: {n:,} due timers fired by `statewise worker` processes "
        "(`--batch 100`), each timer one unit of work (claim under a lease, load, step, "
        "commit with its audit line and timer-index change). The rate runs from the moment "
        f"the timers fall due until the timer index is empty; median of {args.rounds} "
        "interleaved rounds (range in brackets).\n\n"
        "| database | workers | timers/s |\n|---|---:|---:|\n"
        + "".join(
            f"| {db} | {w} | {m:,.0f} ({lo:,.0f} to {hi:,.0f}) |\n" for db, w, m, lo, hi in rows
        )
        + "\nTwo workers share the claims (`FOR UPDATE SKIP LOCKED`) without ever firing a "
        f"timer twice. {_scaling(rates)} On this 2-core machine the workers and the "
        "PostgreSQL server share the same two cores, so figures vary from run to run: add "
        "workers for availability, and for throughput when the database has cores to spare. "
        "SQLite is fastest for one process (no round trips); run one worker on it.\n"
    )
    print(body)
    if not args.no_write:
        write_section(ROOT / "docs" / "performance.md", "Workers", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
