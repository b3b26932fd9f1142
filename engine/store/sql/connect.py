"""How the SQL store reaches a database: which URLs it takes, and the SQLAlchemy engine whose
connections are set up the way the store needs (SQLite: WAL, ``synchronous``, foreign keys,
a busy timeout, ``BEGIN`` said by us; PostgreSQL: psycopg 3, session time zone UTC).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

__all__ = ["SYNCHRONOUS", "check_url", "make_engine"]

#: SQLite ``PRAGMA synchronous`` values SqlStore accepts
SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")


def check_url(url: str | URL) -> None:
    """Raise ``ValueError`` for a URL the store cannot use (another database, an in-memory
    SQLite database, not a URL at all), without connecting."""
    try:
        u = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"cannot parse the database URL {url!r}: {exc}") from None
    backend = u.get_backend_name()
    if backend == "sqlite":
        if u.database in (None, "", ":memory:") or u.query.get("mode") == "memory":
            raise ValueError(
                "SqlStore needs a SQLite database file (sqlite:///path/to/file.db), not an "
                "in-memory database: each thread opens its own connection. "
                "Use MemoryStore for a store in memory."
            )
    elif backend != "postgresql":
        raise ValueError(
            f"unsupported database {backend!r}: statewise stores instances in SQLite "
            "(sqlite:///file.db) or PostgreSQL (postgresql+psycopg://user@host/db)"
        )


def make_engine(
    url: str | URL,
    *,
    echo: bool = False,
    sqlite_synchronous: str = "NORMAL",
    busy_timeout: float = 10.0,
    sqlite_begin: str = "BEGIN",
) -> Engine:
    """A SQLAlchemy engine for ``url``, its connections set up the way the store needs.

    ``sqlite_begin`` is what SQLAlchemy's own transactions start with on SQLite (``BEGIN
    IMMEDIATE`` for code that writes in them and must queue for the lock, not fail).
    """
    check_url(url)
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        sync = sqlite_synchronous.upper()
        if sync not in SYNCHRONOUS:
            raise ValueError(f"sqlite_synchronous must be one of {', '.join(SYNCHRONOUS)}")
        engine = create_engine(
            u, echo=echo, connect_args={"check_same_thread": False, "timeout": busy_timeout}
        )
        _sqlite_setup(engine, sync, busy_timeout, sqlite_begin)
        return engine
    if backend == "postgresql":
        if u.get_driver_name() != "psycopg":
            u = u.set(drivername="postgresql+psycopg")
        return create_engine(
            u, echo=echo, paramstyle="format", connect_args={"options": "-c timezone=UTC"}
        )
    raise AssertionError(backend)  # pragma: no cover - check_url allows no other backend


def _sqlite_setup(engine: Engine, synchronous: str, busy_timeout: float, begin_sql: str) -> None:
    def connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cur.close()

    def begin(connection: Any) -> None:  # SQLAlchemy's own transactions (migrations)
        connection.exec_driver_sql(begin_sql)

    event.listen(engine, "connect", connect)
    event.listen(engine, "begin", begin)
