"""Test databases shared by the SQL store and operations tests: real PostgreSQL, SQLite files.

PostgreSQL comes from ``STATEWISE_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``): a session gets a fresh database
on that server, migrated once, emptied before each test and dropped at the end. Without a
reachable server the PostgreSQL tests are skipped ("PostgreSQL not available at <url>"),
unless ``STATEWISE_REQUIRE_POSTGRES=1`` (CI) makes that a failure. SQLite tests get a file
per test, copied from a migrated template (migrating is slower than copying).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.reference.tables import metadata as reference_metadata
from engine.store.sql import SqlStore

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TABLES = (
    "statewise_web_idempotency",
    "statewise_web_tokens",
    "statewise_web_users",
    "statewise_web_secrets",
    "statewise_archive",
    "statewise_outbox",
    "statewise_timers",
    "statewise_audit",
    "statewise_instances",
    "statewise_chart_versions",
    *(table.name for table in reference_metadata.sorted_tables),
)


def server_url() -> str:
    return os.environ.get("STATEWISE_TEST_POSTGRES_URL", DEFAULT_PG)


def plain(url: str) -> str:
    """The URL as psycopg takes it (no SQLAlchemy driver name)."""
    from sqlalchemy import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def fresh_pg_database(prefix: str) -> Iterator[str]:
    """A new database at the head revision on the test server (a session fixture's body)."""
    import psycopg
    from sqlalchemy import make_url

    url = make_url(server_url()).set(drivername="postgresql+psycopg")
    shown = url.render_as_string(hide_password=True)
    try:
        admin = psycopg.connect(plain(server_url()), autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        reason = f"PostgreSQL not available at {shown}"
        if os.environ.get("STATEWISE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} ({exc}); STATEWISE_REQUIRE_POSTGRES=1 requires it")
        pytest.skip(reason=f"PostgreSQL not available at {shown}")
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    test_url = url.set(database=name).render_as_string(hide_password=False)
    try:
        SqlStore(test_url, create=True).close()
        yield test_url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def empty_pg(url: str) -> None:
    """Remove every row the tests wrote, keeping the tables."""
    import psycopg

    with psycopg.connect(plain(url), autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY")


def sqlite_template(folder: Path) -> Path:
    path = folder / "template.db"
    SqlStore(f"sqlite:///{path}", create=True).close()
    return path


def sqlite_copy(template: Path, folder: Path) -> str:
    path = folder / "statewise.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"
