"""Fixtures for the operations tests: databases, an SMTP server on loopback, worker processes.

Databases: a SQLite file per test (copied from a migrated template) and a fresh database on
the PostgreSQL server of ``STATEWISE_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``), emptied before each test. When
the server is unreachable the PostgreSQL tests are skipped ("PostgreSQL not available at
<url>"), unless ``STATEWISE_REQUIRE_POSTGRES=1`` makes that a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import Chart, load_chart
from tests import databases
from tests.databases import empty_pg, fresh_pg_database, sqlite_copy
from tests.ops.helpers import DEFINITIONS, SmtpSink, free_port


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    yield from fresh_pg_database("statewise_ops")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.sqlite_template(tmp_path_factory.mktemp("template"))


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)


def _postgres(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("pg_database")
    empty_pg(url)
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database at the head revision: a SQLite file or the PostgreSQL database."""
    return _sqlite(request, tmp_path) if request.param == "sqlite" else _postgres(request)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    return _postgres(request)


@pytest.fixture
def sqlite_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return _sqlite(request, tmp_path)


@pytest.fixture(scope="session")
def charts() -> dict[str, Chart]:
    return {c.id: c for c in (load_chart(p) for p in sorted(DEFINITIONS.glob("*.yaml")))}


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink(free_port())
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_down() -> Iterator[SmtpSink]:
    """An SMTP server that is not running yet (``start()`` it in the test)."""
    sink = SmtpSink(free_port())
    yield sink
    sink.stop()
