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


def _definitions(folder: Path) -> Path:
    out = folder / "definitions"
    shutil.copytree(ROOT / "definitions" / "yescart", out / "yescart")
    (out / "bench").mkdir()
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


def _serve(url: str, definitions: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "engine", "serve", "--db", url, "--definitions",
           str(definitions), "--port", str(port), "--log-level", "warning"]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
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


def _ping_instances(url: str, definitions: Path, n: int) -> list[str]:
    from engine import Engine, SqlStore
    from engine.ops.setup import load_definitions

    charts = [c for c in load_definitions(definitions) if c.id == "bench.webhook"]
    with SqlStore(url, create=True) as store:
        engine = Engine(store, charts=charts)
        return [engine.start("bench.webhook", {}, key=f"P{i}").id for i in range(n)]


def _token(url: str) -> str:
    from engine.ops.users import create_token
    from engine.store.sql import SqlStore, WebStore

    with SqlStore(url) as store:
        return create_token(WebStore(store), f"bench-{time.time_ns()}", charts=["bench.webhook"],
                            events=["evt.ping"])  # fmt: skip


def _blast(ports: list[int], ids: list[str], token: str, events: int, seconds: float,
           connections: int = 32) -> tuple[int, float, int]:  # fmt: skip
    """Send up to ``events`` webhooks (each its own key) for at most ``seconds``; (sent,
    elapsed seconds, failures)."""
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


def webhooks(url: str, folder: Path, events: int, seconds: float) -> dict[int, tuple[float, int]]:
    from tests.ops.helpers import free_port

    definitions = _definitions(folder)
    ids = _ping_instances(url, definitions, 2000)
    token = _token(url)
    out: dict[int, tuple[float, int]] = {}
    for processes in (1, 4):
        ports = [free_port() for _ in range(processes)]
        procs = [_serve(url, definitions, p, folder / f"serve-hook-{p}.log") for p in ports]
        try:
            _blast(ports, ids, token, 200, 20)  # warm up
            sent, took, failed = _blast(ports, ids, token, events, seconds)
        finally:
            for p in procs:
                p.terminate()
                p.wait(10)
        out[processes] = (sent / took, failed)
        print(f"  {processes} process(es): {sent} events in {took:.1f} s = {sent / took:,.0f}/s"
              f" ({failed} not 200)", flush=True)  # fmt: skip
    return out


def table(results: list[tuple[str, dict[str, float]]], hooks: dict[int, tuple[float, int]],
          rows: int, requests: int) -> str:  # fmt: skip
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
    if hooks:
        lines += ["", "Webhook ingestion on PostgreSQL (`POST /api/v1/instances/{id}/events`, "
                  "each with its own `Idempotency-Key`, 32 keep-alive connections from one "
                  "load process on the same 2-core machine):", "",
                  "| server processes | events/s | answers not 200 |", "|---:|---:|---:|"]  # fmt: skip
        lines += [f"| {p} | {rate:,.0f} | {bad} |" for p, (rate, bad) in sorted(hooks.items())]
        four = hooks.get(4, (0.0, 0))[0]
        lines += ["", f"With four processes: **{four:,.0f} events/s** (target >= 1,000/s: "
                  f"{'met' if four >= 1000 else 'NOT met'}). The load generator, PostgreSQL and "
                  "the servers share the machine's two cores, so this is a lower bound."]  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    results: list[tuple[str, dict[str, float]]] = []
    hooks: dict[int, tuple[float, int]] = {}
    with tempfile.TemporaryDirectory(prefix="statewise-bench-serve-") as tmp:
        folder = Path(tmp)
        print("== pages on SQLite", flush=True)
        (folder / "sqlite").mkdir()
        results.append(("SQLite", pages(f"sqlite:///{folder}/pages.db", args.rows,
                                        args.requests, folder / "sqlite")))  # fmt: skip
        with pg_database("postgresql+psycopg") as pg:
            if pg is not None:
                print("== pages on PostgreSQL", flush=True)
                (folder / "pg").mkdir()
                results.append(("PostgreSQL", pages(pg, args.rows, args.requests, folder / "pg")))
        with pg_database("postgresql+psycopg") as pg:
            if pg is not None:
                print("== webhooks on PostgreSQL", flush=True)
                (folder / "hooks").mkdir()
                hooks = webhooks(pg, folder / "hooks", args.events, args.seconds)
    text = table(results, hooks, args.rows, args.requests)
    print(text)
    if not args.no_write:
        write_section(ROOT / "docs" / "performance.md", "Console and API (statewise serve)", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
