"""Events per second of ``Interpreter.step`` in memory, and bytes per instance.

The chart is a simple order flow: 8 states, one guard (``total <= credit_limit``) and
one assignment. 10,000 instances are started, then each of the 7 events is sent to
every instance in turn (round-robin), so every step works on a different snapshot.

    .venv/bin/python bench/bench_runtime.py [--instances N] [--rounds R]

The side-by-side comparison with other libraries goes through the Engine facade
(see the service layer's benchmark); this one measures the pure runtime alone.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.loader import load_text
from engine.runtime import Event, InstanceInfo, Interpreter, Snapshot

CHART = """
id: bench.order
version: 1
context:
  total: decimal
  credit_limit: decimal
  payments: {type: integer, default: 0}
states:
  cart:
    on: {checkout: review}
  review:
    on:
      pay:
        target: paid
        guard: total <= credit_limit
        actions:
          - assign: {payments: payments + 1}
  paid:
    on: {pack: packing}
  packing:
    on: {ship: shipped}
  shipped:
    on: {deliver: delivered}
  delivered:
    on: {invoice: invoiced}
  invoiced:
    on: {close: closed}
  closed:
    type: final
"""

EVENTS = ("checkout", "pay", "pack", "ship", "deliver", "invoice", "close")


def _deep_size(snapshot: Snapshot, shared: set[int]) -> int:
    """Bytes a snapshot owns: itself, its context dict and values (shared objects once)."""
    seen = shared
    total = 0
    stack: list[object] = [snapshot, snapshot.context, snapshot.history, snapshot.timers]
    stack.extend(snapshot.context.values())
    for obj in stack:
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="repeat and keep the best")
    args = parser.parse_args(argv)

    chart = load_text(CHART, "bench/order.yaml")
    interp = Interpreter(chart)
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    events = [Event(name) for name in EVENTS]
    infos = [InstanceInfo(f"order-{i}", f"O{i}", chart.id, 1) for i in range(args.instances)]

    def started() -> list[Snapshot]:
        return [
            interp.start(
                {"total": Decimal("120.50"), "credit_limit": Decimal(500)}, now, instance=info
            ).after
            for info in infos
        ]

    best = 0.0
    steps = len(events) * args.instances
    for _ in range(args.rounds):
        snaps = started()
        gc.collect()
        gc.disable()
        t0 = time.perf_counter()
        step = interp.step
        for event in events:
            for i, info in enumerate(infos):
                snaps[i] = step(snaps[i], event, now, instance=info).after
        elapsed = time.perf_counter() - t0
        gc.enable()
        assert all(s.done for s in snaps), "every instance should reach 'closed'"
        best = max(best, steps / elapsed)

    # memory: what 10,000 started instances keep alive, measured two ways
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    snaps = started()
    mid = [
        interp.step(s, events[0], now + timedelta(seconds=1), instance=infos[0]).after
        for s in snaps
    ]
    snaps = [interp.step(s, events[1], now, instance=infos[0]).after for s in mid]
    del mid
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    traced = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    per_instance_traced = traced / args.instances - sys.getsizeof(snaps) / args.instances
    shared: set[int] = {id(interp.chart)}
    owned = sum(_deep_size(s, shared) for s in snaps) / args.instances

    print(f"statewise runtime: {best:,.0f} events/s ({steps:,} steps, best of {args.rounds})")
    print(
        f"memory: {per_instance_traced:,.0f} bytes/instance (tracemalloc), "
        f"{owned:,.0f} bytes/instance (snapshot + context, shared objects once)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
