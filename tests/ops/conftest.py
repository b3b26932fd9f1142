"""Fixtures for the operations tests: databases, an SMTP server on loopback, worker processes.

Databases: a SQLite file per test (copied from a migrated template) and a fresh database on
the PostgreSQL server of ``STATEWISE_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``), emptied before each test. When
the server is unreachable the PostgreSQL tests are skipped ("PostgreSQL not available at
<url>"), unless ``STATEWISE_REQUIRE_POSTGRES=1`` makes that a failure.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import Chart, load_chart
from engine.store.sql import SqlStore
from tests.ops.helpers import DEFINITIONS, SmtpSink, free_port

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TABLES = (
    "statewise_outbox",
    "statewise_timers",
    "statewise_audit",
    "statewise_instances",
    "statewise_chart_versions",
)


def _plain(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    import psycopg
    from sqlalchemy import make_url

    url = make_url(os.environ.get("STATEWISE_TEST_POSTGRES_URL", DEFAULT_PG))
    url = url.set(drivername="postgresql+psycopg")
    shown = url.render_as_string(hide_password=True)
    try:
        admin = psycopg.connect(
            _plain(str(url.render_as_string(False))), autocommit=True, connect_timeout=3
        )
    except psycopg.Error as exc:
        reason = f"PostgreSQL not available at {shown}"
        if os.environ.get("STATEWISE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} ({exc}); STATEWISE_REQUIRE_POSTGRES=1 requires it")
        pytest.skip(reason)
    name = f"statewise_ops_{os.getpid()}_{secrets.token_hex(3)}"
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

    with psycopg.connect(_plain(url), autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    SqlStore(f"sqlite:///{path}", create=True).close()
    return path


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    path = tmp_path / "statewise.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


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
