"""An engine running the shipped flows with the reference integrations, in process, on a
SQLite file and a manual clock (for tests that drive it step by step)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from engine import Engine, ManualClock
from engine.flows import shipped_flows
from engine.ops.setup import load_definitions
from engine.reference.app import ReferenceSystems, open_systems
from engine.store.sql import SqlStore

NOW = datetime(2026, 11, 27, 9, tzinfo=UTC)


@dataclass
class World:
    url: str
    engine: Engine
    store: SqlStore
    systems: ReferenceSystems
    clock: ManualClock


@contextmanager
def world(folder: Path) -> Iterator[World]:
    url = f"sqlite:///{folder / 'shop.db'}"
    store = SqlStore(url, create=True)
    clock = ManualClock(NOW)
    systems = open_systems(url, clock=clock, export_folder=folder / "exports")
    engine = Engine(
        store,
        clock,
        tasks=systems.tasks(),
        transports=systems.transports(),
        charts=load_definitions(shipped_flows()),
    )
    try:
        yield World(url, engine, store, systems, clock)
    finally:
        systems.close()
        store.close()
