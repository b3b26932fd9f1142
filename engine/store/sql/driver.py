"""One database for the SQL store: a driver connection per thread, and the one-transaction
write every unit of work goes through.

SQLAlchemy creates and configures the connections (:mod:`.connect`: URL parsing, the SQLite
pragmas, the PostgreSQL session time zone) and runs the migrations; the store's own statements run on the
driver's cursor (``sqlite3``, ``psycopg``), the fast path measured in docs/performance.md.

* **SQLite** (a file; WAL, ``synchronous`` NORMAL by default, foreign keys on, a busy
  timeout): the driver runs in autocommit mode and a write is ``BEGIN IMMEDIATE`` ...
  ``COMMIT``, so writers queue on the database lock instead of failing on an upgrade.
* **PostgreSQL** (``psycopg`` 3, session time zone UTC, autocommit): a unit of work is one
  statement (:mod:`.units`), which autocommit makes its own transaction; a write of several
  statements sends ``BEGIN``, them and waits once (a pipeline), then ``COMMIT`` or
  ``ROLLBACK``: two round trips whatever its size.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from engine.store.sql.errors import DatabaseError

__all__ = ["Driver", "Stmt", "pg_read_time", "pg_time", "sqlite_read_time", "sqlite_time"]

log = logging.getLogger("statewise.store.sql")

#: a statement and its positional parameters
Stmt = tuple[str, Sequence[Any]]

# -- times --------------------------------------------------------------------------------


def sqlite_time(value: datetime) -> str:
    """UTC, fixed width ``YYYY-MM-DD HH:MM:SS.ffffff`` (naive values are taken as UTC)."""
    tz = value.tzinfo
    if tz is not UTC and tz is not None:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def sqlite_read_time(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def pg_time(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def pg_read_time(value: datetime) -> datetime:
    return value


class _EchoCursor:
    """A driver cursor that logs every statement (``SqlStore(url, echo=True)``)."""

    def __init__(self, cursor: Any, logger: logging.Logger) -> None:
        self._cursor, self._log = cursor, logger

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self._log.info("%s %r", sql, tuple(params))
        return self._cursor.execute(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class _Local(threading.local):
    conn: Any = None
    cur: Any = None
    guard: Any = None
    #: dropped with the thread's local data when the thread ends: closes the connection
    holder: Any = None


class _Holder:
    __slots__ = ("__weakref__",)


def _close_quietly(conn: Any) -> None:
    try:
        conn.close()
    except Exception:  # pragma: no cover - already gone
        log.debug("closing a connection failed", exc_info=True)


class Driver:
    """The store's connections: one driver connection (and cursor) per thread.

    A thread's connection is closed when the thread ends, when it breaks, or by
    :meth:`close` (which closes every connection still open).
    """

    def __init__(self, engine: Engine, *, echo: bool = False) -> None:
        self.engine = engine
        self.echo = echo
        self.name = engine.dialect.name
        self.url = engine.url.render_as_string(hide_password=True)
        dbapi = engine.dialect.loaded_dbapi
        self.Error: type[Exception] = dbapi.Error
        self.IntegrityError: type[Exception] = dbapi.IntegrityError
        self.OperationalError: type[Exception] = dbapi.OperationalError
        self._local = _Local()
        self._opened: list[weakref.finalize[Any, Any]] = []
        self._lock = threading.Lock()
        pg = self.name == "postgresql"
        self.time: Callable[[datetime], Any] = pg_time if pg else sqlite_time
        self.read_time: Callable[[Any], datetime] = pg_read_time if pg else sqlite_read_time
        self.write = self._write_pg if pg else self._write_sqlite

    # -- connections ------------------------------------------------------------------
    def cursor(self) -> Any:
        cur = self._local.cur
        return cur if cur is not None else self._open()

    def _open(self) -> Any:
        try:
            fairy = self.engine.raw_connection()
        except (self.Error, DBAPIError) as exc:
            raise DatabaseError(f"cannot connect to {self.url}: {exc}") from exc
        conn: Any = fairy.driver_connection
        fairy.detach()  # the pool forgets it: ours for the thread's life
        if self.name == "postgresql":
            conn.rollback()
            conn.autocommit = True
        local = self._local
        local.holder = holder = _Holder()
        closer = weakref.finalize(holder, _close_quietly, conn)
        with self._lock:
            self._opened = [c for c in self._opened if c.alive]
            self._opened.append(closer)
        local.conn, local.cur, local.guard = conn, conn.cursor(), conn.cursor()
        if self.echo:  # SQLAlchemy's echo logger, so both kinds of statement show
            echo = logging.getLogger("sqlalchemy.engine.Engine")
            local.cur, local.guard = _EchoCursor(local.cur, echo), _EchoCursor(local.guard, echo)
        return local.cur

    def _forget(self) -> None:
        """Drop this thread's connection after it broke; the next call opens a new one."""
        local = self._local
        local.conn = local.cur = local.guard = local.holder = None  # the finalizer closes it

    def open_connections(self) -> int:
        """How many connections the store holds open (one per thread that used it)."""
        with self._lock:
            return sum(1 for c in self._opened if c.alive)

    def close(self) -> None:
        """Close every connection; a later call opens new ones."""
        with self._lock:
            opened, self._opened = self._opened, []
        for closer in opened:
            closer()
        self._local = _Local()
        self.engine.dispose()

    # -- reads --------------------------------------------------------------------------
    def one(self, sql: str, args: Sequence[Any]) -> Any:
        cur = self.cursor()
        try:
            cur.execute(sql, args)
            return cur.fetchone()
        except self.Error as exc:
            raise self.failed(exc) from exc

    def all(self, sql: str, args: Sequence[Any]) -> list[Any]:
        cur = self.cursor()
        try:
            cur.execute(sql, args)
            return cur.fetchall()  # type: ignore[no-any-return]
        except self.Error as exc:
            raise self.failed(exc) from exc

    def failed(self, exc: Exception) -> DatabaseError:
        """The error to raise for a driver error; a broken connection is dropped."""
        conn = self._local.conn
        if conn is not None and (getattr(conn, "closed", False) or getattr(conn, "broken", False)):
            self._forget()
        return DatabaseError(f"{self.url}: {exc}")

    # -- writes: one transaction ----------------------------------------------------------
    def _write_sqlite(
        self,
        first: str,
        args: Sequence[Any],
        rest: Sequence[Stmt],
        fetch: bool = False,
        pre: Sequence[Stmt] = (),
    ) -> Any:
        """Run ``pre``, ``first`` then ``rest`` in one transaction; when ``first`` changes no
        row (or returns none) nothing is written. Returns its rowcount (or its rows)."""
        cur = self.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            for sql, values in pre:
                cur.execute(sql, values)
            cur.execute(first, args)
            result = cur.fetchall() if fetch else cur.rowcount
            if not result:
                cur.execute("ROLLBACK")
                return result
            for sql, values in rest:
                cur.execute(sql, values)
            cur.execute("COMMIT")
            return result
        except BaseException:
            conn = self._local.conn
            if conn.in_transaction:
                conn.rollback()
            raise

    def _write_pg(
        self,
        first: str,
        args: Sequence[Any],
        rest: Sequence[Stmt],
        fetch: bool = False,
        pre: Sequence[Stmt] = (),
    ) -> Any:
        cur = self.cursor()
        local = self._local
        conn, guard = local.conn, local.guard
        try:
            with conn.pipeline():
                cur.execute("BEGIN")
                for sql, values in pre:
                    cur.execute(sql, values)
                guard.execute(first, args)
                for sql, values in rest:
                    cur.execute(sql, values)
            result = guard.fetchall() if fetch else guard.rowcount
            cur.execute("COMMIT" if result else "ROLLBACK")
            return result
        except BaseException:
            self._pg_abort(conn)
            raise

    def write_each(
        self,
        units: Sequence[tuple[str, Sequence[Any], Sequence[Stmt], bool]],
        pre: Sequence[Stmt] = (),
    ) -> list[Any]:
        """SQLite: several units of work in one transaction, each inside a savepoint.

        A unit is ``(first, args, rest, fetch)`` as for :meth:`write`; its ``rest`` runs only
        when ``first`` changed a row (or returned one). Returns, per unit, ``first``'s
        rowcount (or rows), or the driver error that unit met: its savepoint is rolled back
        and the other units go on. ``pre`` runs first; when no unit was saved, nothing is
        kept (not even ``pre``). A failure of the database itself raises (nothing kept).
        """
        cur = self.cursor()
        cur.execute("BEGIN IMMEDIATE")
        out: list[Any] = []
        try:
            for sql, values in pre:
                cur.execute(sql, values)
            for first, args, rest, fetch in units:
                cur.execute("SAVEPOINT statewise_unit")
                try:
                    cur.execute(first, args)
                    result = cur.fetchall() if fetch else cur.rowcount
                    if result:
                        for sql, values in rest:
                            cur.execute(sql, values)
                except self.Error as exc:
                    if self.lost(exc):
                        raise
                    cur.execute("ROLLBACK TO statewise_unit")
                    result = exc
                cur.execute("RELEASE statewise_unit")
                out.append(result)
            saved = any(r and not isinstance(r, Exception) for r in out)
            cur.execute("COMMIT" if saved or not pre else "ROLLBACK")
        except BaseException:
            conn = self._local.conn
            if conn is not None and conn.in_transaction:
                conn.rollback()
            raise
        return out

    def lost(self, exc: BaseException) -> bool:
        """True when ``exc`` is the database failing (connection gone, file locked or
        unreadable) rather than one statement's data (a constraint, a bad value)."""
        conn = self._local.conn
        if conn is not None and (getattr(conn, "closed", False) or getattr(conn, "broken", False)):
            return True
        return isinstance(exc, self.OperationalError)

    def _pg_abort(self, conn: Any) -> None:
        if conn.closed:
            self._forget()
            return
        try:
            if conn.info.transaction_status != 0:  # not IDLE
                conn.execute("ROLLBACK")
        except self.Error:
            self._forget()

    def statement(self, sql: str, args: Sequence[Any], fetch: bool = False) -> Any:
        """Run one writing statement as its own transaction (autocommit: one round trip);
        returns its rows (``fetch``) or its rowcount."""
        cur = self.cursor()
        try:
            cur.execute(sql, args)
            return cur.fetchall() if fetch else cur.rowcount
        except self.Error as exc:
            if self.name == "sqlite":
                conn = self._local.conn
                if conn is not None and conn.in_transaction:
                    conn.rollback()
            raise self.failed(exc) from exc

    @contextmanager
    def begin(self) -> Iterator[Any]:
        """An explicit transaction whose statements may depend on each other's results:
        yields the cursor; commits at the end, rolls back on any exception (a driver error
        comes out as :class:`DatabaseError`). Several round trips: for maintenance work
        (archiving), not for units of work."""
        cur = self.cursor()
        try:
            cur.execute("BEGIN" if self.name == "postgresql" else "BEGIN IMMEDIATE")
            yield cur
            cur.execute("COMMIT")
        except BaseException as exc:
            conn = self._local.conn
            if conn is not None:
                if self.name == "postgresql":
                    self._pg_abort(conn)
                elif conn.in_transaction:
                    conn.rollback()
            if isinstance(exc, self.Error):
                raise self.failed(exc) from exc
            raise

    def transaction(self, statements: Sequence[Stmt]) -> None:
        """Run ``statements`` in one transaction (all or nothing)."""
        if not statements:
            return
        if len(statements) == 1:
            self.statement(*statements[0])
            return
        (first, args), rest = statements[0], statements[1:]
        try:
            self.write(first, args, rest)
        except self.Error as exc:
            raise self.failed(exc) from exc
