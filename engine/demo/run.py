"""``statewise demo``: the four systems through a simulated business day, then the report.

Sets up the database (a SQLite file in a temporary folder, or ``--db``), the reference
systems and their catalogue, writes the day's script from the seed, runs the day (in this
process, or with worker processes), then prints the report, one order's story, where the
heat maps went, and the invariants. Returns 0, or 1 when an invariant is broken.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from engine.demo.settings import DAY_END, DAY_START, DemoSettings

if TYPE_CHECKING:
    from engine.demo.day import Day
    from engine.demo.plan import Action
    from engine.demo.workers import WorkerPool
    from engine.model import Chart
    from engine.reference.app import ReferenceSystems
    from engine.reference.clock import FileClock
    from engine.runtime import ManualClock
    from engine.service import Engine
    from engine.store import AuditRecord
    from engine.store.sql import SqlStore

__all__ = ["DemoSetupError", "run_demo", "script"]

#: how the customer orders are shared between the systems
SHARES = {"yescart": 0.5, "ustore": 0.2, "collect": 0.15, "ats": 0.15}


class DemoSetupError(Exception):
    """The demo cannot run with what it was given (a usage error)."""


def script(orders: int, seed: int) -> list[Action]:
    """The day's actions for ``orders`` customer orders, from ``seed``."""
    from engine.demo.mix_others import ats_orders, collect_orders, ustore_orders
    from engine.demo.mix_yescart import yescart_orders
    from engine.demo.plan import Mix

    makers = {
        "yescart": yescart_orders,
        "ustore": ustore_orders,
        "collect": collect_orders,
        "ats": ats_orders,
    }
    actions: list[Action] = []
    for system, make in makers.items():
        mix = Mix(seed, system)
        make(mix, max(1, round(orders * SHARES[system])))
        actions += mix.actions
    return sorted(actions)


def run_demo(settings: DemoSettings) -> int:
    from engine.demo.report import SYSTEMS
    from engine.flows import shipped_flows
    from engine.ops.setup import load_definitions

    folder = settings.definitions or shipped_flows()
    if not folder.is_dir():
        raise DemoSetupError(f"--definitions {folder}: no such folder")
    charts = load_definitions(folder)
    if not charts:
        raise DemoSetupError(f"--definitions {folder}: no charts")
    missing = sorted({c for ids in SYSTEMS.values() for c in ids} - {c.id for c in charts})
    if missing:
        raise DemoSetupError(f"the demo needs the charts {', '.join(missing)}; {folder} lacks them")
    # outcomes of fire-and-forget tasks reaching finished instances are refused on purpose;
    # the report counts what matters, so the engine's own log stays quiet during the day
    engine_log = logging.getLogger("statewise")
    level = engine_log.level
    engine_log.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory(prefix="statewise-demo-") as tmp:
            url = settings.db or f"sqlite:///{Path(tmp) / 'demo.db'}"
            return _run(settings, charts, url, Path(tmp))
    finally:
        engine_log.setLevel(level)


def _run(settings: DemoSettings, charts: list[Chart], url: str, tmp: Path) -> int:
    from engine.demo.catalog import install
    from engine.reference.app import open_systems
    from engine.reference.clock import FileClock
    from engine.runtime import ManualClock
    from engine.store.sql import SqlStore

    out = settings.out
    out.mkdir(parents=True, exist_ok=True)
    store = SqlStore(url, create=True)
    _require_empty(store, charts)
    # worker processes share the simulated time through a file; alone, a manual clock does
    clock: ManualClock | FileClock = (
        FileClock(tmp / "clock") if settings.workers else ManualClock(DAY_START)
    )
    clock.set(DAY_START)
    systems = open_systems(url, clock=clock, export_folder=out / "exports")
    pool = None
    try:
        install(systems, DAY_START, "supplier@fulfilment.example")
        systems.collect.add_customer("STORE2", "STORE2-WALKIN", "Walk-in customer")
        print(f"statewise demo: {settings.orders} customer orders over Yes!Cart, uStore, "
              f"Click & Collect and ATS (seed {settings.seed}), kept in {store.url}")  # fmt: skip
        began = time.monotonic()
        if settings.workers:
            from engine.demo.workers import WorkerPool

            folder = settings.definitions or _flows()
            assert isinstance(clock, FileClock)
            pool = WorkerPool(settings.workers, url, folder, clock, tmp)
            engine, move = _deferred(store, charts, clock, pool, systems.db.steps)
        else:
            engine, move = _inline(store, charts, clock, systems)
        day = _day(engine, store, systems, settings, move)
        day.run(script(settings.orders, settings.seed))
        took = time.monotonic() - began
        return _finish(engine, store, systems, charts, settings, took)
    finally:
        if pool is not None:
            pool.stop()
        systems.close()
        store.close()


def _flows() -> Path:
    from engine.flows import shipped_flows

    return shipped_flows()


def _require_empty(store: SqlStore, charts: Sequence[Chart]) -> None:
    from engine.errors import StatewiseError

    if any(store.count_by_state(c.id) for c in charts):
        raise StatewiseError(
            f"{store.url} already holds instances; the demo needs an empty database"
        )


def _inline(
    store: SqlStore, charts: list[Chart], clock: ManualClock | FileClock, systems: ReferenceSystems
) -> tuple[Engine, Callable[[datetime], None]]:
    from engine.service import EffectFailed, Engine

    engine = Engine(
        store, clock, tasks=systems.tasks(), transports=systems.transports(), charts=charts
    )

    def move(when: datetime) -> None:
        clock.set(when)
        with contextlib.suppress(EffectFailed):  # failures stay in the outbox: reported
            engine.tick()

    return engine, move


def _deferred(
    store: SqlStore,
    charts: list[Chart],
    clock: FileClock,
    pool: WorkerPool,
    steps: Callable[[], int],
) -> tuple[Engine, Callable[[datetime], None]]:
    from engine.ops.setup import deferred_engine

    engine = deferred_engine(store, charts, clock=clock)

    def move(when: datetime) -> None:
        pool.move(store, when, steps)

    return engine, move


def _day(
    engine: Engine,
    store: SqlStore,
    systems: ReferenceSystems,
    settings: DemoSettings,
    move: Callable[[datetime], None],
) -> Day:
    from engine.demo.day import Day
    from engine.demo.driver import Driver
    from engine.demo.progress import Progress

    driver = Driver(engine, systems, store, deferred=bool(settings.workers))
    return Day(driver, move, Progress(DAY_START, DAY_END, bar=settings.progress), settings.seed)


def _finish(
    engine: Engine,
    store: SqlStore,
    systems: ReferenceSystems,
    charts: list[Chart],
    settings: DemoSettings,
    took: float,
) -> int:
    from engine.demo.heatmap import write_heat_maps
    from engine.demo.invariants import check_all
    from engine.demo.report import print_report
    from engine.demo.story import pick_order, print_story

    histories = _histories(store, charts)
    instances = sum(len(h) for h in histories.values())
    steps = sum(len(t) for h in histories.values() for t in h.values())
    print(
        f"\nThe day ran in {took:.1f} s: {instances} instances ({instances / took:.0f}/s), "
        f"{steps} steps recorded ({steps / took:.0f}/s)"
        + (f", with {settings.workers} worker process(es)" if settings.workers else "")
    )
    print_report(engine, store, systems)
    order = pick_order(histories.get("yescart.order", {}), engine)
    if order is not None:
        print_story(engine, systems, order)
    paths = write_heat_maps(charts, histories, settings.out / "heatmaps")
    print(f"\n== Heat maps of the day ({len(paths)} charts) in {settings.out / 'heatmaps'}")
    for path in paths:
        print(f"  {path}")
    print(f"  exports written to {settings.out / 'exports'}")
    checks = check_all(engine, store, systems)
    print("\n== Invariants")
    for check in checks:
        print(f"  {'ok    ' if check.ok else 'BROKEN'}  {check.name}: {check.detail}")
    broken = [c for c in checks if not c.ok]
    print(f"\n{len(checks) - len(broken)} of {len(checks)} invariants hold.")
    return 1 if broken else 0


def _histories(
    store: SqlStore, charts: list[Chart]
) -> dict[str, dict[str, tuple[AuditRecord, ...]]]:
    out: dict[str, dict[str, tuple[AuditRecord, ...]]] = {}
    for chart in {c.id: c for c in charts}.values():
        trails: dict[str, tuple[AuditRecord, ...]] = {}
        after = None
        while True:
            page = store.list_instances(chart.id, after=after, limit=1000)
            for item in page.items:
                trails[item.id] = store.history(item.id)
            if page.next is None:
                break
            after = page.next
        out[chart.id] = trails
    return out
