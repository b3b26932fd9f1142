"""Fixtures for the reference integrations: a fresh database (SQLite file or PostgreSQL) at the
head revision, the reference systems on it with a manual clock, and task calls."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine import InstanceInfo, ManualClock
from engine.reference.app import ReferenceSystems, open_systems
from tests import databases
from tests.databases import empty_pg, fresh_pg_database, sqlite_copy

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def pg_reference_db() -> Iterator[str]:
    yield from fresh_pg_database("statewise_ref")


@pytest.fixture(scope="session")
def sqlite_reference_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.sqlite_template(tmp_path_factory.mktemp("ref-template"))


@pytest.fixture
def sqlite_url(sqlite_reference_template: Path, tmp_path: Path) -> str:
    return sqlite_copy(sqlite_reference_template, tmp_path)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("pg_reference_db")
    empty_pg(url)
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def any_url(request: pytest.FixtureRequest) -> str:
    """The same test on a SQLite file and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def systems(sqlite_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[ReferenceSystems]:
    made = open_systems(sqlite_url, clock=clock, export_folder=tmp_path / "exports")
    yield made
    made.close()


class Calls:
    """Task calls as the engine makes them: a fresh idempotency key each, or a given one."""

    def __init__(self) -> None:
        self._n = itertools.count(1)
        self.instance = InstanceInfo("i-test", "K1", "test.chart", 1)

    def key(self) -> str:
        return f"key-{next(self._n)}"


@pytest.fixture
def calls() -> Calls:
    return Calls()
