"""Stores for the SQL tests: SQLite files and a real PostgreSQL server.

PostgreSQL comes from ``STATEWISE_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``). The session creates a fresh
database on that server, runs the migrations once, empties the tables before each test and
drops the database at the end. Without a reachable server the PostgreSQL tests are skipped
("PostgreSQL not available at <url>"), unless ``STATEWISE_REQUIRE_POSTGRES=1`` (CI), which
makes them fail instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine import Chart, MemoryStore, load_chart
from engine.store import InstanceStore
from engine.store.sql import SqlStore
from tests import databases
from tests.databases import empty_pg, fresh_pg_database, sqlite_copy

CHARTS = Path(__file__).resolve().parents[1] / "service" / "charts"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The URL of a fresh database (at the head revision) on the test server."""
    yield from fresh_pg_database("statewise_test")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the head revision, copied for every test (migrating is slower)."""
    return databases.sqlite_template(tmp_path_factory.mktemp("template"))


def sqlite_url(template: Path, folder: Path) -> str:
    return sqlite_copy(template, folder)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database at the head revision, empty: a SQLite file or the PostgreSQL test database."""
    if request.param == "sqlite":
        return sqlite_url(request.getfixturevalue("sqlite_template"), tmp_path)
    url: str = request.getfixturevalue("pg_database")
    empty_pg(url)
    return url


@pytest.fixture
def sql_store(db_url: str) -> Iterator[SqlStore]:
    store = SqlStore(db_url)
    yield store
    store.close()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InstanceStore]:
    """The same contract, every store: MemoryStore, SqlStore on SQLite and on PostgreSQL."""
    if request.param == "memory":
        yield MemoryStore()
        return
    if request.param == "sqlite":
        url = sqlite_url(request.getfixturevalue("sqlite_template"), tmp_path)
    else:
        url = request.getfixturevalue("pg_database")
        empty_pg(url)
    store = SqlStore(url)
    yield store
    store.close()


@pytest.fixture(scope="session")
def charts() -> dict[str, Chart]:
    return {p.stem: load_chart(p) for p in sorted(CHARTS.glob("*.yaml"))}
