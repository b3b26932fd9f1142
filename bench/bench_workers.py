"""Timers and outbox items per second done by ``statewise worker`` processes, on three paths:
pipelined (the default on PostgreSQL: a batch of timers saved on a second connection while
the next is claimed and planned), batched (``--no-pipeline``: the claimed timers' steps in
one transaction, one batch after the other; delivered items marked done in one statement)
and unbatched (``--unbatched``: one transaction per timer and per item, the path before
batching), with one and two workers on PostgreSQL and one on SQLite.

Each run starts from a copy of a seeded database (a PostgreSQL template, a SQLite file):

* **timers**: N instances, each with one timer whose step moves it to a final state and
  writes one audit line (no effects); the workload is the claim + load + step + commit loop.
* **outbox**: N notifications committed but not performed (``statewise send`` to many
  instances leaves them in the outbox), delivered through a transport that does nothing
  (``--app bench.worker_app:make``); the workload is claim + load + render + mark done.

The workers are started first and must report that they are connected; then every timer
(or item) is made due at once, and the rate is N divided by the time until none is left
(read every 20 ms). Rounds are interleaved; medians are reported with their range.

    .venv/bin/python bench/bench_workers.py [--instances 3000] [--rounds 3] [--no-write]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import Busy  # noqa: E402
from bench.pg import pg_database, pg_template_copy  # noqa: E402
from bench.report import write_section  # noqa: E402
from engine import Engine, ManualClock, load_text  # noqa: E402
from engine.store.sql import SqlStore  # noqa: E402

TIMER = """
id: bench.timer
version: 1
states:
  waiting:
    after:
      - delay: 1m
        target: done
  done: {type: final}
"""
NOTIFY = """
id: bench.notify
version: 1
context:
  email: {type: string, default: "customer@example.com"}
states:
  waiting:
    on:
      go:
        target: notified
        actions:
          - notify: {template: hello, channel: email, to: [email]}
  notified: {type: final}
templates:
  hello: {subject: "Order {{ instance.key }}", body: "Your order {{ instance.key }} is on its way."}
"""
FAR = datetime(2100, 1, 1, tzinfo=UTC)
SEED_AT = datetime(2099, 12, 31, 23, 59, tzinfo=UTC)  # timers due at FAR


def seed(url: str, n: int, workload: str) -> None:
    """N instances: a timer due at FAR each, or a notification left in the outbox each."""
    from engine.ops.sending import Sender, send_many
    from engine.ops.setup import deferred_engine

    store = SqlStore(url, create=True)
    try:
        if workload == "timers":
            chart = load_text(TIMER)
            engine = Engine(store, ManualClock(SEED_AT), charts=[chart])
            for i in range(n):
                engine.start(chart, key=f"T{i}")
        else:
            chart = load_text(NOTIFY)
            engine = deferred_engine(store, [chart])
            ids = [engine.start(chart, key=f"N{i}").id for i in range(n)]
            assert send_many(engine, ids, "go", sender=Sender(actor="bench")).ok
            store._db.statement(  # not due yet: the run makes them due at once
                "UPDATE statewise_outbox SET next_attempt_at = %s"
                if store.dialect == "postgresql"
                else "UPDATE statewise_outbox SET next_attempt_at = ?",
                (store._time(FAR),),
            )
    finally:
        store.close()


def make_due(url: str, workload: str) -> None:
    """Every timer (outbox item) of the copy due now, on the database's clock."""
    with SqlStore(url) as store:
        now = store.database_now()
        mark = "%s" if store.dialect == "postgresql" else "?"
        db = store._db
        if workload == "timers":
            when = store._time(now)
            db.transaction(
                [
                    (f"UPDATE statewise_timers SET due = {mark}", (when,)),
                    (  # the snapshot's timer says the same (the worker checks)
                        f"UPDATE statewise_instances SET timers = replace(timers, {mark}, {mark})",
                        (FAR.isoformat(), now.isoformat()),
                    ),
                ]
            )
        else:
            db.statement(
                f"UPDATE statewise_outbox SET next_attempt_at = {mark}",
                (store._time(now - timedelta(seconds=1)),),
            )


def left(store: SqlStore, workload: str) -> bool:
    if workload == "timers":
        return bool(store.due(FAR + timedelta(days=1), 1))
    return bool(store.pending_outbox(1))


#: the database label of the baseline's runs (``--baseline``)
BEFORE = "PostgreSQL 15, code before"
#: (workload, workers, path, URL scheme) -> share of the machine's cores busy during runs
BUSY: dict[tuple[str, int, str, str], list[float]] = {}
#: the worker's options for each path (a baseline checkout runs its default path)
FLAGS = {"pipelined": [], "batched": ["--no-pipeline"], "unbatched": ["--unbatched"]}


def run(url: str, n: int, workload: str, workers: int, path: str, folder: Path,
        root: Path = ROOT) -> float:  # fmt: skip
    """Items per second done by ``workers`` worker processes on the copy at ``url``, running
    the code at ``root`` (a baseline checkout: the code before, on its default path)."""
    definitions = folder / "defs"
    definitions.mkdir(exist_ok=True)
    (definitions / "chart.yaml").write_text(TIMER if workload == "timers" else NOTIFY)
    flags = FLAGS[path] if root == ROOT else []
    cmd = [sys.executable, "-m", "engine", "worker", "--db", url, "--definitions",
           str(definitions), "--batch", "100", "--poll", "0.05", "--grace", "0",
           "--app", "bench.worker_app:make", "--purge-after", "never", "--log-level", "INFO",
           *flags]  # fmt: skip
    logs = [folder / f"worker{i}.log" for i in range(workers)]
    procs = [
        subprocess.Popen([*cmd, "--owner", f"bench{i}"], cwd=root, stderr=log.open("w"))
        for i, log in enumerate(logs)
    ]
    try:
        end = time.monotonic() + 120
        while not all("connected to" in log.read_text() for log in logs):
            if time.monotonic() > end or any(p.poll() is not None for p in procs):
                raise RuntimeError("workers did not start: " + logs[0].read_text()[-2000:])
            time.sleep(0.05)
        make_due(url, workload)
        with SqlStore(url) as store, Busy() as busy:
            start = time.perf_counter()
            while left(store, workload):
                time.sleep(0.02)
            elapsed = time.perf_counter() - start
        if busy.share is not None:
            scheme = url.split(":")[0] + ("-before" if root != ROOT else "")
            BUSY.setdefault((workload, workers, path, scheme), []).append(busy.share)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
    return n / elapsed


@contextmanager
def sqlite_templates(folder: Path, n: int) -> Iterator[Callable[[str, int], str]]:
    made: dict[str, Path] = {}
    for workload in ("timers", "outbox"):
        path = folder / f"template-{workload}.db"
        seed(f"sqlite:///{path}", n, workload)
        made[workload] = path

    def copy(workload: str, k: int) -> str:
        target = folder / f"{workload}-{k}.db"
        shutil.copyfile(made[workload], target)
        return f"sqlite:///{target}"

    yield copy


def paths(workload: str, pg: bool) -> tuple[str, ...]:
    """The paths compared: the pipeline exists for timers on PostgreSQL only."""
    if workload == "timers" and pg:
        return ("pipelined", "batched", "unbatched")
    return ("batched", "unbatched")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="also run PostgreSQL workers from this checkout (the code before, "
                        "its default path) in the same run")  # fmt: skip
    args = parser.parse_args(argv)
    n = args.instances
    rates: dict[tuple[str, str, int, str], list[float]] = {}

    def note(key: tuple[str, str, int, str], rate: float) -> None:
        rates.setdefault(key, []).append(rate)
        db, workload, workers, path = key
        print(f"{db}, {workload}, {workers} worker(s), {path}: {rate:,.0f}/s", flush=True)

    with tempfile.TemporaryDirectory(prefix="statewise-bench-") as tmp:
        folder = Path(tmp)
        with (
            pg_database("postgresql+psycopg") as timers_pg,
            pg_database("postgresql+psycopg") as outbox_pg,
        ):
            if timers_pg is not None and outbox_pg is not None:
                seed(timers_pg, n, "timers")
                seed(outbox_pg, n, "outbox")
            with sqlite_templates(folder, n) as sqlite_copy:
                k = 0
                for _round in range(args.rounds):  # rounds interleaved, medians reported
                    for workload in ("timers", "outbox"):
                        for path in paths(workload, False):
                            k += 1
                            url = sqlite_copy(workload, k)
                            note(("SQLite file (WAL, NORMAL)", workload, 1, path),
                                 run(url, n, workload, 1, path, folder))  # fmt: skip
                        template = timers_pg if workload == "timers" else outbox_pg
                        if template is None:
                            continue
                        for path in paths(workload, True):
                            for workers in (1, 2):
                                with pg_template_copy(template) as url:
                                    note(("PostgreSQL 15", workload, workers, path),
                                         run(url, n, workload, workers, path, folder))  # fmt: skip
                        if args.baseline is not None:
                            for workers in (1, 2):
                                with pg_template_copy(template) as url:
                                    note((BEFORE, workload, workers, paths(workload, True)[0]),
                                         run(url, n, workload, workers, "batched", folder,
                                             args.baseline))  # fmt: skip
    body = report(rates, n, args.rounds)
    print(body)
    if not args.no_write:
        write_section(ROOT / "docs" / "performance.md", "Workers", body)
    return 0


ORDER = {"pipelined": 0, "batched": 1, "unbatched": 2}


def report(rates: dict[tuple[str, str, int, str], list[float]], n: int, rounds: int) -> str:
    med = {k: statistics.median(v) for k, v in rates.items()}
    pg = "PostgreSQL 15"
    rows = []
    for (db, workload, workers, path), values in sorted(rates.items(), key=lambda kv: (not kv[0][0].startswith("PostgreSQL"), kv[0][1] != "timers", kv[0][2], ORDER[kv[0][3]], kv[0][0] == BEFORE)):  # fmt: skip
        same = db if db != BEFORE else pg
        base = med.get((same, workload, workers, "unbatched"))
        one = med.get((db, workload, 1, path))
        rate = med[(db, workload, workers, path)]
        vs_unbatched = f"{rate / base:.2f}x" if base else "-"
        vs_one = f"{rate / one:.2f}x" if one else "-"
        scheme = {pg: "postgresql+psycopg", BEFORE: "postgresql+psycopg-before"}.get(db, "sqlite")
        shares = BUSY.get((workload, workers, path if db != BEFORE else "batched", scheme))
        busy = f"{statistics.median(shares):.0%}" if shares else "-"
        shown = "default (code before)" if db == BEFORE else path
        rows.append(
            f"| {db} | {workload} | {workers} | {shown} | "
            f"{statistics.median(values):,.0f} ({min(values):,.0f} to {max(values):,.0f}) | "
            f"{vs_unbatched} | {vs_one} | {busy} |\n"
        )
    summary = []
    for workload in ("timers", "outbox"):
        best = paths(workload, True)[0]
        b1, u1 = med.get((pg, workload, 1, best)), med.get((pg, workload, 1, "unbatched"))
        b2 = med.get((pg, workload, 2, best))
        flat = med.get((pg, workload, 1, "batched")) if best == "pipelined" else None
        old1 = med.get((BEFORE, workload, 1, best))
        if b1 and u1 and b2:
            summary.append(
                f"- PostgreSQL, {workload}: one worker **{b1:,.0f}/s** ({best}), "
                f"**{b1 / u1:.1f}x** the unbatched path"
                + (f", **{b1 / flat:.2f}x** batched without the pipeline" if flat else "")
                + (f", **{b1 / old1:.2f}x** the code before" if old1 else "")
                + f"; two workers **{b2 / b1:.2f}x** one."
            )
    t1, tu = med.get((pg, "timers", 1, "pipelined")), med.get((pg, "timers", 1, "unbatched"))
    if t1 and tu:
        summary.append(
            f"- Timers with one worker on PostgreSQL: target >= 7,000/s and >= 5x the "
            f"unbatched path ({'met' if t1 >= 7000 and t1 >= 5 * tu else 'NOT met'})."
        )
    return (
        f"`bench/bench_workers.py`: {n:,} timers (or outbox items) done by `statewise worker` "
        "processes (`--batch 100`) on three paths: *pipelined* (the default on PostgreSQL: "
        "a batch of timers saved on a second connection while the next is claimed and "
        "planned), *batched* (`--no-pipeline`: each pass's timers in one transaction, one "
        "batch after the other; outbox items marked done in one statement) and *unbatched* "
        "(`--unbatched`: one transaction per timer and per item, the path before batching). "
        "Timers: claim under a lease, load, step, commit with the audit line and timer-index "
        "change. Outbox: claim, load, render the notification, hand it to a transport that "
        "does nothing, mark done. Each run starts from a copy of the seeded database, with "
        "the workers already connected; the rate runs from the moment everything falls due "
        f"until nothing is left. Median of {rounds} interleaved rounds (range in brackets).\n\n"
        "| database | work | workers | path | per second | ÷ unbatched | ÷ one worker | cores busy |\n"
        "|---|---|---:|---|---:|---:|---:|---:|\n"
        + "".join(rows)
        + "\n"
        + "\n".join(summary)
        + "\n\nWhy batching wins: unbatched, each timer costs a commit (a WAL flush on "
        "PostgreSQL) and four round trips; batched, a pass of 100 timers is four statements "
        "(claim, load the instances, one set-based save, claim the outbox) and one flush, "
        "and the time goes to the steps themselves. SQLite gains less: its commits are cheap "
        "already (no round trips, no flush with `synchronous=NORMAL`); run one worker on it.\n\n"
        "Why the pipeline wins: a batched worker waits for PostgreSQL about three quarters of "
        "its time (py-spy with idle samples, one worker, 20,000 timers: the batch save 53%, "
        "the claims 23%, loading the instances 11%; its own Python, planning and encoding, "
        "the rest), and the server's work for a pass (about 6 ms for 100 timers: updating "
        "the instance rows and their indexes, the audit lines and their foreign key, the "
        "timer index) is CPU, not the disk (`synchronous_commit=off` changed nothing). "
        "One after the other, worker and server keep one core busy between them (*cores "
        "busy*, about 50%); pipelined, the server saves one batch while the worker plans the "
        "next, and both cores work. Two workers share the claims (`FOR UPDATE SKIP LOCKED`) "
        "without ever firing a timer twice; on this 2-core machine they and the server share "
        "the same two cores, so a second worker adds what the cores have left.\n"
    )


if __name__ == "__main__":
    raise SystemExit(main())
