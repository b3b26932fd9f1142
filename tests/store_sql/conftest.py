"""Stores for the SQL tests: SQLite files and a real PostgreSQL server.

PostgreSQL comes from ``STATEWISE_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``). The session creates a fresh
database on that server, runs the migrations once, empties the tables before each test and
drops the database at the end. Without a reachable server the PostgreSQL tests are skipped
("PostgreSQL not available at <url>"), unless ``STATEWISE_REQUIRE_POSTGRES=1`` (CI), which
makes them fail instead.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import make_url

from engine import Chart, MemoryStore, load_chart
from engine.store import InstanceStore
from engine.store.sql import SqlStore

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CHARTS = Path(__file__).resolve().parents[1] / "service" / "charts"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TABLES = (
    "statewise_outbox",
    "statewise_timers",
    "statewise_audit",
    "statewise_instances",
    "statewise_chart_versions",
)


def _server_url() -> str:
    return os.environ.get("STATEWISE_TEST_POSTGRES_URL", DEFAULT_PG)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The URL of a fresh database (at the head revision) on the test server."""
    import psycopg

    url = make_url(_server_url()).set(drivername="postgresql+psycopg")
    shown = url.render_as_string(hide_password=True)
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(plain, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        reason = f"PostgreSQL not available at {shown}"
        if os.environ.get("STATEWISE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} ({exc}); STATEWISE_REQUIRE_POSTGRES=1 requires it")
        pytest.skip(reason)
    name = f"statewise_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    test_url = url.set(database=name).render_as_string(hide_password=False)
    try:
        SqlStore(test_url, create=True).close()
        yield test_url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def empty_pg(url: str) -> None:
    import psycopg

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the head revision, copied for every test (migrating is slower)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    SqlStore(f"sqlite:///{path}", create=True).close()
    return path


def sqlite_url(template: Path, folder: Path) -> str:
    path = folder / "statewise.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


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
