"""The in-memory order workload through ``Engine.send``, side by side with the peers.

The workload (shared/research/peer-benchmarks.md): an order lifecycle ``pending ->
awaiting_payment -> paid -> allocated -> packing -> ready_to_ship -> shipped ->
completed``, plus ``cancel -> cancelled`` from the first four states (defined, never
fired). ``pay`` has a guard (``total <= credit_limit``, per-order numbers) and one action
(``payments + 1``). Events are fired by name, round robin (step k on every instance
before step k+1), with every instance alive; afterwards every instance must be completed
with the counter at 1.

Contenders, measured in the same run: statewise (``Engine`` on a ``MemoryStore`` with its
audit trail, the default, and without), transitions (one shared Machine),
python-statemachine and sismic.
Each figure is the median of ``--rounds`` rounds; memory is what tracemalloc sees retained
per instance after the whole workload, instances alive.

    .venv/bin/python bench/bench_engine.py [--instances 10000] [--slow-instances 2000]
        [--rounds 5] [--no-write]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402

EVENTS = ("submit", "pay", "allocate", "pack", "ready", "ship", "complete")
TOTAL, LIMIT = Decimal("120.50"), Decimal("500")

CHART = """
id: bench.order
version: 1
context:
  total: decimal
  credit_limit: decimal
  payments: {type: integer, default: 0}
initial: pending
states:
  pending:
    on: {submit: awaiting_payment, cancel: cancelled}
  awaiting_payment:
    on:
      pay:
        target: paid
        guard: total <= credit_limit
        actions:
          - assign: {payments: payments + 1}
      cancel: cancelled
  paid:
    on: {allocate: allocated, cancel: cancelled}
  allocated:
    on: {pack: packing, cancel: cancelled}
  packing:
    on: {ready: ready_to_ship}
  ready_to_ship:
    on: {ship: shipped}
  shipped:
    on: {complete: completed}
  completed:
    type: final
  cancelled:
    type: final
"""

SISMIC = """
statechart:
  name: order
  root state:
    name: root
    initial: pending
    states:
      - name: pending
        transitions:
          - {event: submit, target: awaiting_payment}
          - {event: cancel, target: cancelled}
      - name: awaiting_payment
        transitions:
          - {event: pay, target: paid, guard: total <= credit_limit, action: payments += 1}
          - {event: cancel, target: cancelled}
      - name: paid
        transitions:
          - {event: allocate, target: allocated}
          - {event: cancel, target: cancelled}
      - name: allocated
        transitions:
          - {event: pack, target: packing}
          - {event: cancel, target: cancelled}
      - name: packing
        transitions: [{event: ready, target: ready_to_ship}]
      - name: ready_to_ship
        transitions: [{event: ship, target: shipped}]
      - name: shipped
        transitions: [{event: complete, target: completed}]
      - {name: completed, type: final}
      - {name: cancelled, type: final}
"""


@dataclass(slots=True)
class Contender:
    """``create(n)`` makes n instances; ``fire(instances, event)`` sends one event to each;
    ``check(instances)`` asserts they all completed with the counter at 1."""

    name: str
    create: Callable[[int], list[Any]]
    fire: Callable[[list[Any], str], None]
    check: Callable[[list[Any]], None]
    slow: bool = False


# -- statewise ------------------------------------------------------------------------
def statewise(audit: bool) -> Contender:
    from engine import Engine, MemoryStore, load_text

    chart = load_text(CHART, "bench/order.yaml")
    state: dict[str, Any] = {}

    def create(n: int) -> list[Any]:
        engine = Engine(store=MemoryStore(audit=audit), charts=[chart])
        state["engine"] = engine
        start = engine.start
        ctx = {"total": TOTAL, "credit_limit": LIMIT}
        return [start(chart, ctx).id for _ in range(n)]

    def fire(ids: list[Any], event: str) -> None:
        send = state["engine"].send
        for iid in ids:
            send(iid, event)

    def check(ids: list[Any]) -> None:
        engine = state["engine"]
        for iid in ids:
            inst = engine.get(iid)
            assert inst.leaf_states == ("completed",) and inst.context["payments"] == 1, inst

    label = "statewise Engine, MemoryStore" + (" with audit trail" if audit else " (no audit)")
    return Contender(label, create, fire, check)


def runtime_alone() -> Contender:
    """The pure runtime on the same chart: ``Interpreter.step`` on snapshots kept in a list.

    Not a peer: the ceiling the Engine facade works under (no store, no audit, no view).
    """
    from datetime import UTC, datetime

    from engine import load_text
    from engine.runtime import Event, InstanceInfo, Interpreter

    chart = load_text(CHART, "bench/order.yaml")
    interp = Interpreter(chart)
    now = datetime.now(UTC)
    events = {name: Event(name) for name in EVENTS}

    def create(n: int) -> list[Any]:
        ctx = {"total": TOTAL, "credit_limit": LIMIT}
        out = []
        for i in range(n):
            info = InstanceInfo(f"i{i}", None, chart.id, 1)
            out.append([info, interp.start(ctx, now, instance=info).after])
        return out

    def fire(items: list[Any], event: str) -> None:
        ev, step = events[event], interp.step
        for item in items:
            item[1] = step(item[1], ev, datetime.now(UTC), instance=item[0]).after

    def check(items: list[Any]) -> None:
        assert all(s.done and s.context["payments"] == 1 for _, s in items)

    return Contender("(statewise runtime alone: Interpreter.step, no store)", create, fire, check)


# -- transitions ----------------------------------------------------------------------
def transitions_shared() -> Contender:
    from transitions import Machine

    class Order:
        def __init__(self) -> None:
            self.total, self.credit_limit, self.payments = TOTAL, LIMIT, 0

        def within_limit(self) -> bool:
            return self.total <= self.credit_limit

        def count(self) -> None:
            self.payments += 1

    states = ["pending", "awaiting_payment", "paid", "allocated", "packing"]
    states += ["ready_to_ship", "shipped", "completed", "cancelled"]
    moves = [
        {"trigger": "submit", "source": "pending", "dest": "awaiting_payment"},
        {
            "trigger": "pay",
            "source": "awaiting_payment",
            "dest": "paid",
            "conditions": "within_limit",
            "after": "count",
        },
        {"trigger": "allocate", "source": "paid", "dest": "allocated"},
        {"trigger": "pack", "source": "allocated", "dest": "packing"},
        {"trigger": "ready", "source": "packing", "dest": "ready_to_ship"},
        {"trigger": "ship", "source": "ready_to_ship", "dest": "shipped"},
        {"trigger": "complete", "source": "shipped", "dest": "completed"},
        {"trigger": "cancel", "source": states[:4], "dest": "cancelled"},
    ]

    def create(n: int) -> list[Any]:
        machine = Machine(
            model=None, states=states, transitions=moves, initial="pending", auto_transitions=False
        )
        orders = [Order() for _ in range(n)]
        for o in orders:
            machine.add_model(o)
        return orders

    def fire(orders: list[Any], event: str) -> None:
        for o in orders:
            o.trigger(event)

    def check(orders: list[Any]) -> None:
        assert all(o.state == "completed" and o.payments == 1 for o in orders)

    return Contender("transitions 0.9 (one shared Machine)", create, fire, check)


# -- python-statemachine --------------------------------------------------------------
def python_statemachine() -> Contender:
    from statemachine import State, StateMachine

    class Order:
        def __init__(self) -> None:
            self.total, self.credit_limit, self.payments = TOTAL, LIMIT, 0

        def within_limit(self) -> bool:
            return bool(self.total <= self.credit_limit)

        def count(self) -> None:
            self.payments += 1

    class OrderMachine(StateMachine):  # type: ignore[misc]
        pending = State(initial=True)
        awaiting_payment = State()
        paid = State()
        allocated = State()
        packing = State()
        ready_to_ship = State()
        shipped = State()
        completed = State(final=True)
        cancelled = State(final=True)
        submit = pending.to(awaiting_payment)
        pay = awaiting_payment.to(paid, cond="within_limit", on="count")
        allocate = paid.to(allocated)
        pack = allocated.to(packing)
        ready = packing.to(ready_to_ship)
        ship = ready_to_ship.to(shipped)
        complete = shipped.to(completed)
        cancel = (
            pending.to(cancelled)
            | awaiting_payment.to(cancelled)
            | paid.to(cancelled)
            | allocated.to(cancelled)
        )

    def create(n: int) -> list[Any]:
        return [OrderMachine(model=Order()) for _ in range(n)]

    def fire(machines: list[Any], event: str) -> None:
        for m in machines:
            m.send(event)

    def check(machines: list[Any]) -> None:
        assert all(m.model.state == "completed" and m.model.payments == 1 for m in machines)

    from importlib.metadata import version

    return Contender(
        f"python-statemachine {version('python-statemachine')}", create, fire, check, slow=True
    )


# -- sismic ---------------------------------------------------------------------------
def sismic() -> Contender:
    from importlib.metadata import version

    from sismic.interpreter import Interpreter
    from sismic.io import import_from_yaml

    chart = import_from_yaml(SISMIC)

    def create(n: int) -> list[Any]:
        out = []
        for _ in range(n):
            it = Interpreter(
                chart, initial_context={"total": TOTAL, "credit_limit": LIMIT, "payments": 0}
            )
            it.execute_once()
            out.append(it)
        return out

    def fire(interpreters: list[Any], event: str) -> None:
        for it in interpreters:
            it.queue(event)
            it.execute_once()

    def check(interpreters: list[Any]) -> None:
        for it in interpreters:
            assert it.final and it.context["payments"] == 1

    return Contender(f"sismic {version('sismic')}", create, fire, check, slow=True)


# -- measuring ------------------------------------------------------------------------
@dataclass(slots=True)
class Result:
    name: str
    instances: int
    events_per_s: float
    creates_per_s: float
    kib_per_instance: float


def measure(c: Contender, n: int, rounds: int) -> Result:
    event_rates, create_rates = [], []
    for _ in range(rounds):
        gc.collect()
        t0 = time.perf_counter()
        items = c.create(n)
        t1 = time.perf_counter()
        for event in EVENTS:
            c.fire(items, event)
        t2 = time.perf_counter()
        c.check(items)
        create_rates.append(n / (t1 - t0))
        event_rates.append(n * len(EVENTS) / (t2 - t1))
        del items
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    items = c.create(n)
    for event in EVENTS:
        c.fire(items, event)
    gc.collect()
    retained = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    del items
    return Result(
        c.name,
        n,
        statistics.median(event_rates),
        statistics.median(create_rates),
        retained / n / 1024,
    )


#: the parts of ``Engine.send`` reported by the profile: (pyinstrument function name,
#: label, whether to count its own time only)
_PARTS = (
    (
        "Interpreter.step",
        "`Interpreter.step`: the runtime, fast path (guard, assign, new snapshot)",
        False,
    ),
    ("Interpreter._general", "· of which the general algorithm (`Run`, microsteps)", False),
    ("MemoryStore.save", "`MemoryStore.save`: new record, optimistic lock, unit of work", False),
    ("_Trail.add", "· of which packing the audit line (shape, seq, time in µs)", False),
    ("Core.apply", "`Core.apply` itself: clock, building the audit line, status", True),
    ("Engine.send", "`Engine.send` itself: event, audit info, the `Instance` view", True),
    ("Instance.__init__", "`Instance.__init__` (the view returned)", False),
    ("MemoryStore.load", "`MemoryStore.load`", False),
    ("unit_of_work", "`unit_of_work` (steps with effects or timers only)", False),
)


def profile(n: int) -> str:
    """Where ``Engine.send`` spends its time (audit trail on), by pyinstrument (if installed)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return ""
    c = statewise(audit=True)
    items = c.create(n)
    profiler = Profiler(interval=0.0001)
    profiler.start()
    for event in EVENTS:
        c.fire(items, event)
    profiler.stop()
    root = profiler.last_session.root_frame() if profiler.last_session else None
    if root is None:
        return ""
    totals: dict[str, float] = {}
    selves: dict[str, float] = {}

    def walk(frame: Any, inside: frozenset[str]) -> None:
        name = f"{frame.class_name}.{frame.function}" if frame.class_name else frame.function
        if name not in inside:  # count recursion once
            totals[name] = totals.get(name, 0.0) + frame.time
        selves[name] = selves.get(name, 0.0) + frame.total_self_time
        for child in frame.children:
            walk(child, inside | {name})

    walk(root, frozenset())
    send = totals.get("Engine.send", 0.0)
    if not send:
        return ""
    rows = ["| part of `Engine.send` (audit trail on) | share |", "|---|---:|"]
    for key, label, own in _PARTS:
        value = (selves if own else totals).get(key, 0.0)
        rows.append(f"| {label} | {100 * value / send:.0f}% |")
    return (
        "Profile (pyinstrument, one run of the workload with the audit trail, sampling "
        "overhead included; C calls such as `datetime.now` count in their caller):\n\n"
        + "\n".join(rows)
        + "\n"
    )


def table(results: list[Result]) -> str:
    ours, bare = results[0], results[1]
    alone = next((r for r in results if r.name.startswith("(statewise runtime")), None)
    peers = [r for r in results if not r.name.startswith(("statewise", "(statewise"))]
    best = max(peers, key=lambda r: r.events_per_s) if peers else ours
    lines = [
        "| contender | instances | events/s | instances created/s | KiB/instance "
        "| statewise (audit) ÷ this |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = ours.events_per_s / r.events_per_s
        lines.append(
            f"| {r.name} | {r.instances:,} | {r.events_per_s:,.0f} | {r.creates_per_s:,.0f} | "
            f"{r.kib_per_instance:.2f} | {ratio:.2f}x |"
        )
    lines.append("")
    lines.append(
        f"Against the fastest peer ({best.name}): statewise with its audit trail (the default) "
        f"makes **{ours.events_per_s / best.events_per_s:.2f}x** its events/s in "
        f"**{ours.kib_per_instance:.2f} KiB** per instance; without the audit trail "
        f"**{bare.events_per_s / best.events_per_s:.2f}x** in "
        f"**{bare.kib_per_instance:.2f} KiB** (target: 2x, under 1 KiB)."
    )
    if alone is not None:
        audit_us, bare_us = 1e6 / ours.events_per_s, 1e6 / bare.events_per_s
        step_us = 1e6 / alone.events_per_s
        lines.append(
            f"Where the time goes: {audit_us:.2f} µs per `Engine.send` with the audit trail, "
            f"{bare_us:.2f} µs without it, of which {step_us:.2f} µs is `Interpreter.step` "
            "with the clock (the runtime alone, measured above). The rest is the service and "
            "the store: load the record, one unit of work saved (a new record, the version "
            f"check), the `Instance` view, and, {audit_us - bare_us:.2f} µs, the audit line: "
            "built as an `AuditRecord`, then packed by the store (see the profile below)."
        )
    return "\n".join(lines)


HOW = """\
How it is fast. Nothing of the semantics is skipped: every step is an SCXML macrostep, and
a step that needs more than the common case takes the general algorithm. What is
precomputed: per chart, the state and transition tables with compiled guards and actions
(assignments also as functions of the scope alone); per configuration (interned: every
instance in it shares one frozenset) the candidate transitions of each event name, whether
any eventless transition exists there, and `In()`; per (configuration, event name) the
*moves* of the fast path: each candidate's guard and, when taking it needs nothing but the
scope (no entry or exit actions, timers, invocations, history, raised or `done.state`
events, nor eventless transitions after it), its microstep plan: the new interned
configuration, the exit and entry order, and a `MicroStep` record shared by the steps of
the same event. Such a step evaluates its guard, runs its assignments (the context is
copied only when one assigns) and builds the new `Snapshot` and `MacroStep` by setting
their slots: no `Run`, no queue, no loop, no effect list. The service builds the audit line
in `Core.apply` from leaf tuples cached per configuration; the MemoryStore saves a new
record tuple and keeps each audit line as two 64-bit integers (a shared *shape*: event,
data, from, to, actor, kind; then seq and the time in µs), so the trail adds about
0.2 KiB per instance instead of 1.5 and leaves nothing for the garbage collector. A step of
the general algorithm no longer makes a reference cycle (`In()` is a small object, not a
method of the run), so it is freed at once too.

What the audit trail costs. Switching it off saves about 1.4 µs per step (measured A/B in
one process, 9 rounds each): about 0.45 µs to build the line through the store port (an
`AuditRecord` and a `Changes`, five tuples in all) and about 1 µs for the MemoryStore to
pack it (shape lookup, seq, time in µs, two appends to the instance's array: the 10,000
arrays and their records do not stay in the CPU caches). Keeping the `AuditRecord` objects
instead is no faster (the garbage collector then walks them all) and takes 1.5 KiB per
instance. So the audit configuration sits near 2x the fastest peer, and the spread
between runs on this shared machine (about ±10% on every contender) decides on which side.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--slow-instances", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/performance.md")
    args = parser.parse_args(argv)
    contenders = [statewise(audit=True), statewise(audit=False), runtime_alone()]
    for peer in (transitions_shared, python_statemachine, sismic):
        try:
            contenders.append(peer())
        except ImportError as exc:  # the bench extra is not installed
            print(f"skipped {peer.__name__}: {exc} (pip install -e '.[bench]')")
    results = []
    for c in contenders:
        n = args.slow_instances if c.slow else args.instances
        results.append(measure(c, n, args.rounds))
        r = results[-1]
        print(
            f"{r.name}: {r.events_per_s:,.0f} events/s, {r.creates_per_s:,.0f} creates/s, "
            f"{r.kib_per_instance:.2f} KiB/instance",
            flush=True,
        )
    body = (
        "Command: `.venv/bin/python bench/bench_engine.py` (part of `make bench`; the peers come "
        "from the `bench` extra). The order workload of shared/research/peer-benchmarks.md: "
        f"{len(EVENTS)} events per instance, fired by name round robin, medians of {args.rounds} "
        "rounds, every contender in the same process run. statewise goes through the whole "
        "`Engine.send` path (load, step, one unit of work saved, effects) with a SystemClock, "
        "first with the audit trail (`MemoryStore()`, the default) then without "
        "(`MemoryStore(audit=False)`); KiB/instance is what tracemalloc sees retained after "
        "the workload, instances alive.\n\n" + table(results) + "\n\n" + HOW
    )
    notes = profile(args.instances)
    if notes:
        body += "\n" + notes
    print(body)
    if not args.no_write:
        write_section(ROOT / "docs" / "performance.md", "Engine in memory", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
