"""The demo's business day as a benchmark: instances per second and recorded steps (events)
per second of ``statewise demo``, on SQLite in one process, and on PostgreSQL in one process
and with one and two worker processes.

Each configuration is one run of ``statewise demo --orders N --seed 1`` (the same day every
time) in its own process; the figures are the demo's own line "The day ran in X s: I
instances (I/s), S steps recorded (S/s)": the simulated day from the first order to Monday
evening (set-up and the report are not counted). With workers, the demo process plays the
customers and operators and waits at every step of the simulated clock until the workers
have fired what fell due; that synchronisation is part of the figure. PostgreSQL comes from
``STATEWISE_BENCH_POSTGRES_URL`` (default the local server; skipped when unreachable).

    .venv/bin/python bench/bench_demo.py [--orders 1200] [--worker-orders 300] [--no-write]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pg import pg_database  # noqa: E402
from bench.report import write_section  # noqa: E402

RAN = re.compile(
    r"The day ran in ([\d.]+) s: (\d+) instances \((\d+)/s\), (\d+) steps recorded \((\d+)/s\)"
)


def day(orders: int, *args: str) -> tuple[float, int, int, str]:
    """(seconds, instances, steps, invariants line) of one demo run."""
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [sys.executable, "-m", "engine", "demo", "--orders", str(orders), "--seed", "1",
             "--no-progress", "--out", str(Path(tmp) / "out"), *args],
            capture_output=True, text=True, cwd=ROOT, check=False,
        )  # fmt: skip
    found = RAN.search(done.stdout)
    if done.returncode != 0 or found is None:
        raise SystemExit(
            f"demo {args} failed ({done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    holds = next(line for line in done.stdout.splitlines() if "invariants hold" in line)
    return float(found[1]), int(found[2]), int(found[4]), holds


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1200)
    parser.add_argument("--worker-orders", type=int, default=300)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    rows = []

    def measure(database: str, mode: str, orders: int, *extra: str) -> None:
        took, instances, steps, holds = day(orders, *extra)
        rows.append(
            (database, mode, orders, instances, took, instances / took, steps / took, holds)
        )
        print(f"{database:<14} {mode:<22} {orders:>5} orders: {instances} instances in {took:.1f} s "
              f"({instances / took:.0f}/s, {steps / took:.0f} steps/s); {holds}", flush=True)  # fmt: skip

    measure("SQLite file", "in process", args.orders)
    for workers in (0, 1, 2):
        with pg_database("postgresql+psycopg") as url:
            if url is None:
                break
            mode = "in process" if workers == 0 else f"{workers} worker process(es)"
            orders = args.orders if workers == 0 else args.worker_orders
            measure("PostgreSQL 15", mode, orders, "--db", url, "--workers", str(workers))
    if args.no_write:
        return 0
    lines = [
        "| database | timers and outbox | orders | instances | seconds | instances/s | steps/s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {d} | {m} | {o:,} | {i:,} | {t:.1f} | {ips:,.0f} | {sps:,.0f} |"
        for d, m, o, i, t, ips, sps, _h in rows
    ]
    body = (
        "Command: `.venv/bin/python bench/bench_demo.py` (part of `make bench`). One run of "
        "`statewise demo --seed 1` per line, the same simulated business day (orders arriving "
        "through a Friday over Yes!Cart, uStore, Click & Collect and ATS with the reference "
        "integrations, operators' rounds every 20 minutes, then the weekend up to Monday "
        "evening). *Steps* are the audit lines the engine recorded (an event, a timer or a "
        "task outcome taken by an instance). Every run ended with all invariants holding.\n\n"
        + "\n".join(lines)
        + "\n\nIn process the engine performs every effect right after its step; with worker "
        "processes the demo commits each step and waits, at every move of the simulated clock "
        "(at most 5 minutes), until the workers have fired the timers that fell due and "
        "performed the outbox (and nothing was written for 30 ms). That synchronisation, not "
        "the workers' throughput, bounds those figures: compare them with the Workers section "
        "for what a worker sustains when it is not waited for. On PostgreSQL every step, task "
        "call (the reference systems' own transaction) and caught e-mail is a commit that "
        "waits for the server's log flush; on this 2-core machine that dominates the time."
    )
    write_section(ROOT / "docs" / "performance.md", "The demo day", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
