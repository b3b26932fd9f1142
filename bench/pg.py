"""A fresh PostgreSQL database for one benchmark run (dropped afterwards)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["pg_database", "pg_template_copy"]


@contextmanager
def pg_database(drivername: str = "postgresql") -> Iterator[str | None]:
    """A new database on the benchmark server (``STATEWISE_BENCH_POSTGRES_URL``), its URL
    with ``drivername``; None (and a printed reason) when no server answers."""
    import psycopg
    from sqlalchemy import make_url

    given = os.environ.get(
        "STATEWISE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    url = make_url(given).set(drivername="postgresql")
    try:
        admin = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
    except psycopg.Error as exc:
        print(f"PostgreSQL not available at {url.render_as_string()}: {exc}")
        yield None
        return
    name = f"statewise_bench_{secrets.token_hex(3)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(drivername=drivername, database=name).render_as_string(False)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextmanager
def pg_template_copy(template_url: str) -> Iterator[str]:
    """A new database copied from the database at ``template_url`` (``CREATE DATABASE ...
    TEMPLATE``: a file copy, far faster than seeding again), dropped afterwards. Nothing may
    be connected to the template meanwhile."""
    import psycopg
    from sqlalchemy import make_url

    url = make_url(template_url)
    admin_url = url.set(drivername="postgresql", database="postgres")
    admin = psycopg.connect(admin_url.render_as_string(hide_password=False), autocommit=True)
    name = f"statewise_bench_{secrets.token_hex(3)}"
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"')
    try:
        yield url.set(database=name).render_as_string(False)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
