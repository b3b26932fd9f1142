"""Fixtures for the Engine tests: the charts in charts/, a manual clock, a memory transport."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine import Chart, Engine, ManualClock, MemoryStore, MemoryTransport, load_chart

CHARTS = Path(__file__).parent / "charts"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def charts() -> dict[str, Chart]:
    return {p.stem: load_chart(p) for p in sorted(CHARTS.glob("*.yaml"))}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def outbox() -> MemoryTransport:
    return MemoryTransport()


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def engine(
    charts: dict[str, Chart], clock: ManualClock, outbox: MemoryTransport, store: MemoryStore
) -> Engine:
    return Engine(store=store, clock=clock, transports={"email": outbox}, charts=[charts["order"]])


ORDER = {"total": "10.00", "credit_limit": "20.00", "email": "ann@example.com"}
