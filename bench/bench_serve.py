"""``statewise serve`` under load: console pages with 1,000,000 stored instances, and webhook
ingestion with one and four server processes.

    .venv/bin/python bench/run.py serve
    .venv/bin/python bench/bench_serve.py [--rows 1000000] [--requests 200] [--events 6000]

**Pages.** A Yes!Cart shop is seeded for real (orders with their audit trails, deliveries,
messages; ``tests/web/shop.py``), then 1,000,000 more ``yescart.order`` rows are bulk-inserted
(the way ``bench/store_listing.py`` fills a store) spread over the order's statuses, with a
context the queue columns read. One ``statewise serve`` process serves the database; a
signed-in client on loopback times the queue page (``Waiting for confirmation``: paged,
with the chart's columns and the queue's count) and a real order's instance page (the
45-state diagram with its path overlay, the audit trail, messages, actions), on SQLite and
on PostgreSQL. Targets: queue page p95 < 100 ms, instance page p95 < 200 ms.

**Webhooks.** On PostgreSQL, integrations send ``evt.ping`` to 2,000 instances of a small
chart, each request with its own ``Idempotency-Key`` (so each is claimed, applied with its
step and answered in SQL), from 32 keep-alive connections, to one and to four server
processes. Target: >= 1,000 events/s with four. Load stays on 127.0.0.1 and stops after
``--events`` requests or ``--seconds``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pg import pg_database  # noqa: E402
from bench.report import write_section  # noqa: E402

WAITING = "order.status.open.placed.waiting"
LEAVES = (
    "order.status.open.placed.waiting.awaiting_confirmation",
    "order.status.open.placed.waiting_payment",
    "order.status.open.fulfilment.in_progress",
    "order.status.open.fulfilment.partially_shipped",
    "order.status.open.fulfilment.completed",
    "order.status.cancelled",
)
PING_CHART = """\
id: bench.webhook
version: 1
title: Webhook benchmark
events:
  evt.ping: {source: integration, description: a status update from an integration}
context:
  pings: {type: integer, default: 0}
states:
  listening:
    queue: Listening
    on:
      evt.ping:
        actions:
          - assign: {pings: pings + 1}
"""


def _definitions(folder: Path, *, shop: bool = True) -> Path:
    """The charts a server loads: the ping chart, and the shipped Yes!Cart charts for the
    pages (``shop``; left out for webhooks, so code from before a chart change can serve)."""
    out = folder / "definitions"
    if shop:
        shutil.copytree(ROOT / "definitions" / "yescart", out / "yescart")
    (out / "bench").mkdir(parents=True)
    (out / "bench" / "webhook.yaml").write_text(PING_CHART, encoding="utf-8")
    return out


def _order_rows(n: int, pg: bool) -> Iterator[tuple[Any, ...]]:
    from engine.store.sql.driver import sqlite_time

    base = datetime.now(UTC) - timedelta(days=30)
    modes = ("online_auth", "offline_prepaid", "offline_on_delivery")
    for i in range(n):
        leaf = LEAVES[i % len(LEAVES)]
        state = ",".join(sorted(("order.export.export_idle", leaf)))
        parts = leaf.split(".")
        config = sorted({"order", "order.export", "order.export.export_idle"}
                        | {".".join(parts[:k]) for k in range(2, len(parts) + 1)})  # fmt: skip
        since = base + timedelta(seconds=(i * 7919) % (30 * 86400))
        created = base - timedelta(seconds=n - i)
        context = json.dumps({"order_no": f"B{i:07d}", "customer_email": f"c{i % 997}@example.com",
                              "payment_mode": modes[i % 3], "total": {"$dec": f"{20 + i % 900}.50"}})  # fmt: skip
        done = leaf.endswith("cancelled")
        times = (since, created) if pg else (sqlite_time(since), sqlite_time(created))
        yield (f"b{i:09d}", "yescart.order", 1, f"B{i:07d}", None, None, json.dumps(config),
               state, times[0], context, "{}", "{}", done, "done" if done else "active", 1,
               times[1], times[0])  # fmt: skip


def _fill(url: str, rows: int) -> dict[str, Any]:
    """A seeded shop plus ``rows`` bulk-inserted orders; the ids the pages are timed on."""
    from bench.store_listing import _bulk_insert
    from engine.store.sql import SqlStore
    from tests.web.shop import add_people, seed_shop

    shop = seed_shop(url, waiting=4, in_progress=4, in_transit=1)
    add_people(url)
    with SqlStore(url) as store:
        pg = store.dialect == "postgresql"
        print(f"bulk insert of {rows:,} orders into {store.url} ...", flush=True)
        took = _bulk_insert(store, rows, _order_rows(rows, pg), chart="yescart.order")
        print(f"  {took:.1f} s", flush=True)
    return {"order": shop.in_transit[0]}


def _serve(url: str, definitions: Path, port: int, log: Path,
           root: Path = ROOT) -> subprocess.Popen[bytes]:  # fmt: skip
    cmd = [sys.executable, "-m", "engine", "serve", "--db", url, "--definitions",
           str(definitions), "--port", str(port), "--log-level", "warning"]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=root, stdout=out, stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"serve did not start: {log.read_text()}")


def _sign_in(port: int) -> str:
    from tests.web.shop import PASSWORD

    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/signin")
    answer = conn.getresponse()
    html = answer.read().decode()
    pre = answer.getheader("set-cookie", "").split(";")[0]
    csrf = html.split('name="csrf" value="')[1].split('"')[0]
    body = f"csrf={csrf}&name=ann&password={PASSWORD.replace(' ', '+')}&next=/"
    conn.request("POST", "/signin", body, {"Content-Type": "application/x-www-form-urlencoded",
                                           "Cookie": pre})  # fmt: skip
    done = conn.getresponse()
    done.read()
    return done.getheader("set-cookie", "").split(";")[0]


def _times(port: int, cookie: str, path: str, n: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    out = []
    for _ in range(n):
        start = time.perf_counter()
        conn.request("GET", path, headers={"Cookie": cookie})
        answer = conn.getresponse()
        body = answer.read()
        out.append((time.perf_counter() - start) * 1000)
        assert answer.status == 200 and len(body) > 1000, (answer.status, body[:300])
    return out


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 2 else max(values)


def pages(url: str, rows: int, requests: int, folder: Path) -> dict[str, float]:
    definitions = _definitions(folder)
    ids = _fill(url, rows)
    from tests.ops.helpers import free_port

    port = free_port()
    proc = _serve(url, definitions, port, folder / "serve-pages.log")
    try:
        cookie = _sign_in(port)
        queue = f"/charts/yescart.order/queues/{WAITING}"
        instance = f"/instances/{ids['order']}"
        _times(port, cookie, queue, 5)  # warm up: caches, the diagram's layout
        _times(port, cookie, instance, 5)
        q = _times(port, cookie, queue, requests)
        i = _times(port, cookie, instance, requests // 2)
    finally:
        proc.terminate()
        proc.wait(10)
    result = {"queue p50": statistics.median(q), "queue p95": _p(q, 95),
              "instance p50": statistics.median(i), "instance p95": _p(i, 95)}  # fmt: skip
    for k, v in result.items():
        print(f"  {k}: {v:.1f} ms", flush=True)
    return result


_SEED = """
import json, sys, time
from pathlib import Path
from engine import Engine, SqlStore
from engine.ops.setup import load_definitions
from engine.ops.users import create_token
from engine.store.sql import WebStore

url, folder, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
charts = [c for c in load_definitions(folder) if c.id == "bench.webhook"]
with SqlStore(url, create=True) as store:
    engine = Engine(store, charts=charts)
    ids = [engine.start("bench.webhook", {}, key=f"P{i}").id for i in range(n)]
    token = create_token(WebStore(store), f"bench-{time.time_ns()}", charts=["bench.webhook"],
                         events=["evt.ping"])
print(json.dumps({"ids": ids, "token": token}))
"""


def _seed_pings(url: str, definitions: Path, n: int, root: Path) -> tuple[list[str], str]:
    """``n`` instances of the ping chart and an API token for it, made by the code at
    ``root`` (a baseline checkout may keep an older schema); (ids, token)."""
    done = subprocess.run([sys.executable, "-c", _SEED, url, str(definitions), str(n)],
                          cwd=root, check=True, capture_output=True, text=True)  # fmt: skip
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return list(found["ids"]), str(found["token"])


def _blast_threads(ports: list[int], ids: list[str], token: str, events: int, seconds: float,
                   connections: int = 32) -> tuple[int, float, int]:  # fmt: skip
    """The fallback load generator (no ``wrk``): Python threads with keep-alive
    connections. Send up to ``events`` webhooks (each its own key) for at most ``seconds``;
    (sent, elapsed seconds, failures). It costs far more CPU per request than ``wrk``, CPU
    the servers then lack on a small machine."""
    counter = iter(range(events))
    run = time.time_ns()  # every request of every run has a key of its own
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    sent = [0]
    failed = [0]
    body_of = json.dumps({"event": "evt.ping"}).encode()

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", ports[k % len(ports)], timeout=30)
        while time.monotonic() < stop:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            iid = ids[n % len(ids)]  # 32 in flight over 2,000 instances: no two at once
            conn.request("POST", f"/api/v1/instances/{iid}/events", body_of,
                         {"Authorization": f"Bearer {token}", "Idempotency-Key": f"{run}-{n}",
                          "Content-Type": "application/json"})  # fmt: skip
            answer = conn.getresponse()
            text = answer.read()
            with lock:
                sent[0] += 1
                failed[0] += answer.status != 200
                if answer.status != 200 and failed[0] <= 3:
                    print(f"  answer {answer.status}: {text[:300]!r}", flush=True)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sent[0], time.perf_counter() - start, failed[0]


WRK = shutil.which("wrk")
LUA = ROOT / "bench" / "webhook.lua"


def _blast_wrk(ports: list[int], ids_file: Path, token: str, seconds: float,
               connections: int = 32) -> tuple[int, float, int]:  # fmt: skip
    """``wrk`` (one thread, an event loop in C) per server port, ``connections`` keep-alive
    connections in all, for ``seconds``; (answered, elapsed seconds, answers not 2xx)."""
    assert WRK is not None
    run = str(time.time_ns())
    per = max(1, connections // len(ports))
    procs = [
        subprocess.Popen(
            [
                WRK,
                "-t1",
                f"-c{per}",
                f"-d{seconds:.0f}s",
                "--timeout",
                "30s",
                "-s",
                str(LUA),
                f"http://127.0.0.1:{port}",
                "--",
                str(ids_file),
                token,
                f"{run}p{port}",
                str(k * 499),  # each wrk its own stretch of the instances
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for k, port in enumerate(ports)
    ]
    sent = bad = 0
    took = 0.0
    for proc in procs:
        out, _ = proc.communicate(timeout=seconds + 60)
        found = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
        if proc.returncode != 0 or found is None:
            raise SystemExit(f"wrk failed: {out}")
        sent += int(found.group(1))
        took = max(took, float(found.group(2)) / (1000 if found.group(3) == "ms" else 1))
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        bad += int(errors.group(1)) if errors else 0
        socket_errors = re.search(r"Socket errors: (.*)", out)
        if socket_errors:
            print(f"  wrk socket errors: {socket_errors.group(1)}", flush=True)
    return sent, took, bad


def _applied(url: str) -> tuple[int, int]:
    """(pings counted by the instances, idempotency keys answered 200) in the database."""
    from engine.store.sql import SqlStore

    with SqlStore(url) as store:
        db = store._db
        pings = db.one("SELECT coalesce(sum((context::jsonb ->> 'pings')::int), 0) "
                       "FROM statewise_instances WHERE chart = 'bench.webhook'", ())  # fmt: skip
        keys = db.one("SELECT count(*) FROM statewise_web_idempotency WHERE http_status = 200", ())
    assert pings is not None and keys is not None
    return int(pings[0]), int(keys[0])


#: (code, server processes) -> share of the machine's cores busy during the runs
BUSY: dict[tuple[str, int], list[float]] = {}


def webhooks(urls: dict[str, str], roots: dict[str, Path], folder: Path, events: int,
             seconds: float, counts: tuple[int, ...] = (1, 4), rounds: int = 3,
             ) -> dict[tuple[str, int], list[tuple[float, int]]]:  # fmt: skip
    """Events/s of each code (``roots``: checkout to serve from) with each number of server
    processes in ``counts``, ``rounds`` interleaved rounds; after each run the database must
    hold exactly one step per answered key."""
    from bench.machine import Busy
    from tests.ops.helpers import free_port

    setups = {}
    for code, root in roots.items():
        (folder / code).mkdir()
        definitions = _definitions(folder / code, shop=False)
        url = urls[code]
        ids, token = _seed_pings(url, definitions, 2000, root)
        ids_file = folder / code / "ids.txt"
        ids_file.write_text("\n".join(ids) + "\n")
        setups[code] = (url, definitions, ids, ids_file, token)
    if WRK is None:
        print("  wrk is not installed (Debian: apt-get install wrk): falling back to a "
              "threaded Python client, which takes CPU from the servers", flush=True)  # fmt: skip
    out: dict[tuple[str, int], list[tuple[float, int]]] = {}
    for _round in range(rounds):
        for processes in counts:
            for code, root in roots.items():
                url, definitions, ids, ids_file, token = setups[code]
                ports = [free_port() for _ in range(processes)]
                procs = [_serve(url, definitions, p, folder / f"serve-hook-{p}.log", root)
                         for p in ports]  # fmt: skip
                try:
                    pings0, keys0 = _applied(url)
                    if WRK is not None:
                        _blast_wrk(ports, ids_file, token, 3)  # warm up
                        _, keys1 = _applied(url)
                        with Busy() as busy:
                            sent, took, failed = _blast_wrk(ports, ids_file, token, seconds)
                    else:
                        _blast_threads(ports, ids, token, 200, 20)  # warm up
                        _, keys1 = _applied(url)
                        with Busy() as busy:
                            sent, took, failed = _blast_threads(ports, ids, token, events, seconds)
                finally:
                    for p in procs:
                        p.terminate()
                    for p in procs:
                        p.wait(10)
                pings2, keys2 = _applied(url)
                # one step per answered key; a request cut off by the end of the run may have
                # been applied without the client counting its answer
                assert pings0 == keys0 and pings2 == keys2, (pings0, keys0, pings2, keys2)
                assert sent - failed <= keys2 - keys1, (sent, keys2 - keys1)  # none lost
                if keys2 - keys1 > sent - failed + 32:
                    print(f"  note: {keys2 - keys1 - (sent - failed)} requests were applied "
                          "whose answers the client did not count (cut off by the end of the "
                          "run or by the client's time-out)", flush=True)  # fmt: skip
                out.setdefault((code, processes), []).append((sent / took, failed))
                if busy.share is not None:
                    BUSY.setdefault((code, processes), []).append(busy.share)
                print(f"  {code}, {processes} process(es): {sent} events in {took:.1f} s = "
                      f"{sent / took:,.0f}/s ({failed} not 200)", flush=True)  # fmt: skip
    return out


def table(results: list[tuple[str, dict[str, float]]], rows: int, requests: int) -> str:
    lines = [
        f"Console pages through `statewise serve` (one process, loopback, a signed-in client, "
        f"{requests} sequential requests each) with {rows:,} stored `yescart.order` instances "
        "plus a seeded shop:",
        "",
        "| page | " + " | ".join(f"{n} p50 (ms) | {n} p95 (ms)" for n, _ in results) + " |",
        "|---|" + "---:|---:|" * len(results),
    ]
    for page, label in (("queue", "queue: Waiting for confirmation (50 lines, columns, count)"),
                        ("instance", "instance: 45-state order with its path overlay")):  # fmt: skip
        cells = " | ".join(f"{r[page + ' p50']:.1f} | {r[page + ' p95']:.1f}" for _, r in results)
        lines.append(f"| {label} | {cells} |")
    worst_q = max(r["queue p95"] for _, r in results)
    worst_i = max(r["instance p95"] for _, r in results)
    lines += ["", f"Queue page p95 at most **{worst_q:.1f} ms** (target < 100 ms: "
              f"{'met' if worst_q < 100 else 'NOT met'}); instance page p95 at most "
              f"**{worst_i:.1f} ms** (target < 200 ms: {'met' if worst_i < 200 else 'NOT met'})."]  # fmt: skip
    return "\n".join(lines)


def _med(values: list[float]) -> str:
    return f"{statistics.median(values):,.0f} ({min(values):,.0f} to {max(values):,.0f})"


def hooks_table(hooks: dict[tuple[str, int], list[tuple[float, int]]], seconds: float,
                busy: dict[tuple[str, int], list[float]], client: str) -> str:  # fmt: skip
    """Events/s per (code, server processes): medians, ranges, ratios within the run."""
    med = {k: statistics.median(r for r, _ in v) for k, v in hooks.items()}
    lines = [f"Webhook ingestion on PostgreSQL: `POST /api/v1/instances/{{id}}/events` with "
             f"an API token, each request with its own `Idempotency-Key`, {client}, for "
             f"{seconds:.0f} s per run after a warm-up; one `statewise serve` process per "
             "port. Every run is checked in the database: one step per answered key. Medians "
             "of interleaved rounds (range in brackets); *cores busy* is the whole machine "
             "(the load generator, PostgreSQL, the servers and other work on it).", "",
             "| code | server processes | events/s | ÷ before | ÷ one process | answers not 200 | cores busy |",
             "|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for (code, n), values in sorted(hooks.items(), key=lambda kv: (kv[0][0] != "before", kv[0][1])):
        before = med.get(("before", n))
        one = med.get((code, 1))
        shares = busy.get((code, n))
        lines.append(
            f"| {code} | {n} | {_med([r for r, _ in values])} | "
            f"{f'{med[(code, n)] / before:.2f}x' if before else '-'} | "
            f"{f'{med[(code, n)] / one:.2f}x' if one else '-'} | "
            f"{sum(b for _, b in values)} | "
            f"{f'{statistics.median(shares):.0%}' if shares else '-'} |"
        )
    lines += [
        "",
        "*before* is the code before this change (each webhook: the token read and hashed, "
        "the instance read four times, the key claimed, the step saved with an applied "
        "mark, the answer stored: three commits); *after* is `engine.ops.webhooks` (the "
        "token trusted for 5 s once verified, the instance and the key in one read, the step "
        "saved with the key and its answer in one commit). Where the time goes now (one "
        "server process under this load, CPU time from `/proc` over a 10 s run, 2026-12-05): "
        "about 1.1 ms of the server's CPU and 0.45 ms of PostgreSQL's per webhook, so the "
        "machine's two cores, shared by the servers, PostgreSQL, `wrk` and any other work "
        "(see *cores busy*), cap the total a little above 1,000/s whatever the number "
        "of processes. py-spy on a busy server process: about 40% of its samples wait for "
        "PostgreSQL (the read and the commit), about 20% write answers to the socket, the "
        "rest is Starlette's routing and middleware, the thread-pool hop, the step and the "
        "JSON.",
    ]
    top = max((n for c, n in med if c == "after"), default=0)
    if top:
        rate = med[("after", top)]
        lines += ["", f"With {top} processes: **{rate:,.0f} events/s** (target >= 1,000/s with "
                  f"4: {'met' if top >= 4 and rate >= 1000 else 'NOT met'})."]  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--events", type=int, default=6000, help="fallback client only")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", default="1,4", help="server processes to run, e.g. 1,2,4")
    parser.add_argument("--only", choices=["pages", "webhooks"], help="one part only")
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="also serve from this checkout (the code before) in the same run")  # fmt: skip
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    counts = tuple(int(x) for x in args.processes.split(","))
    results: list[tuple[str, dict[str, float]]] = []
    hooks: dict[tuple[str, int], list[tuple[float, int]]] = {}
    with tempfile.TemporaryDirectory(prefix="statewise-bench-serve-") as tmp:
        folder = Path(tmp)
        if args.only != "webhooks":
            print("== pages on SQLite", flush=True)
            (folder / "sqlite").mkdir()
            results.append(("SQLite", pages(f"sqlite:///{folder}/pages.db", args.rows,
                                            args.requests, folder / "sqlite")))  # fmt: skip
            with pg_database("postgresql+psycopg") as pg:
                if pg is not None:
                    print("== pages on PostgreSQL", flush=True)
                    (folder / "pg").mkdir()
                    results.append(
                        ("PostgreSQL", pages(pg, args.rows, args.requests, folder / "pg"))
                    )
        if args.only != "pages":
            codes = [("after", ROOT)] + ([("before", args.baseline)] if args.baseline else [])
            with pg_database("postgresql+psycopg") as pg, pg_database("postgresql+psycopg") as old:
                if pg is not None and old is not None:
                    print("== webhooks on PostgreSQL", flush=True)
                    hooks = webhooks({"after": pg, "before": old}, dict(codes), folder, args.events,
                                     args.seconds, counts, args.rounds)  # fmt: skip
    if results:
        text = table(results, args.rows, args.requests)
        print(text)
        if not args.no_write:
            write_section(
                ROOT / "docs" / "performance.md", "Console and API (statewise serve)", text
            )
    if hooks:
        client = ("`wrk` (one C thread per server port, 32 keep-alive connections in all) on "
                  "the same 2-core machine") if WRK else (
                  "a threaded Python client (no `wrk` installed; 32 keep-alive connections) on "
                  "the same 2-core machine")  # fmt: skip
        text = hooks_table(hooks, args.seconds, BUSY, client)
        print(text)
        if not args.no_write:
            write_section(
                ROOT / "docs" / "performance.md", "Webhook ingestion (statewise serve)", text
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
