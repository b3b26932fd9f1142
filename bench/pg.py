"""A fresh PostgreSQL database for one benchmark run (dropped afterwards)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["WaitSampler", "pg_database", "pg_template_copy"]


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


class WaitSampler:
    """What the server's backends of one database were doing during a block, sampled every
    10 ms from ``pg_stat_activity``: shares of ``cpu`` (running), ``client`` (waiting for
    the client's next statement), ``wal`` (waiting for WAL to be written or flushed: commits),
    ``lock`` (row, tuple or transaction locks: writers waiting for each other), ``other``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.counts: dict[str, int] = {}
        self._stop = False

    def __enter__(self) -> WaitSampler:
        import threading

        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop = True
        self._thread.join(5)

    def _run(self) -> None:
        import time

        import psycopg
        from sqlalchemy import make_url

        url = make_url(self.url)
        admin = url.set(drivername="postgresql", database="postgres")
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
            while not self._stop:
                rows = c.execute(
                    "SELECT wait_event_type, wait_event, state FROM pg_stat_activity "
                    "WHERE datname = %s AND backend_type = 'client backend' "
                    "AND pid <> pg_backend_pid()",
                    (url.database,),
                ).fetchall()
                for kind, event, state in rows:
                    key = "client" if state == "idle" else _kind(kind, event)
                    self.counts[key] = self.counts.get(key, 0) + 1
                time.sleep(0.01)

    def shares(self) -> dict[str, float]:
        total = sum(self.counts.values())
        return {k: n / total for k, n in self.counts.items()} if total else {}


def _kind(kind: str | None, event: str | None) -> str:
    if kind is None:
        return "cpu"
    if kind == "Client":
        return "client"
    if (kind == "LWLock" and event in ("WALWrite", "WALInsert")) or (
        kind == "IO" and event is not None and event.startswith("WAL")
    ):
        return "wal"
    if kind in ("Lock", "LWLock"):
        return "lock"
    return "other"
