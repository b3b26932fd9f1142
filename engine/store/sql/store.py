""":class:`SqlStore`: the :class:`~engine.store.ports.InstanceStore` port on SQLite or PostgreSQL.

Every ``create``/``save`` is one database transaction: the instance row (``UPDATE ... WHERE
id = ? AND row_version = ?`` for a save: the optimistic lock), its audit rows, its timer-index
changes and its outbox rows. When the row version moved on, nothing is written and
:class:`~engine.store.ports.ConcurrentUpdate` is raised.

Reads decode JSON only when needed: the store remembers the last record it wrote or read for
up to ``cache_size`` instances, and a load whose row version matches returns that record
without decoding (a row version is never reused, so an equal version means equal content).
"""

from __future__ import annotations

import json
import secrets
import threading
import time as _time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import URL
from sqlalchemy.exc import DBAPIError

from engine.runtime import Snapshot
from engine.store.ports import DuplicateKey, InstanceNotFound
from engine.store.records import (
    AuditRecord,
    Changes,
    DueTimer,
    InstanceRecord,
    InstanceStatus,
    OutboxItem,
)
from engine.store.sql import schema
from engine.store.sql.connect import make_engine
from engine.store.sql.console import ConsoleQueries
from engine.store.sql.driver import Driver, Stmt
from engine.store.sql.errors import DatabaseError, SchemaNotCurrent
from engine.store.sql.figures import Figures
from engine.store.sql.queues import Operations
from engine.store.sql.retention import Retention
from engine.store.sql.rows import Rows
from engine.store.sql.saving import Saving
from engine.store.sql.spawns import Spawns
from engine.store.sql.statements import Statements
from engine.store.sql.trails import Trails
from engine.store.sql.units import PgUnits
from engine.store.sql.versions import ChartVersions

__all__ = ["SqlStore"]

_new = tuple.__new__


class SqlStore(
    Saving, Retention, Spawns, Figures, Operations, ConsoleQueries, Trails, ChartVersions
):
    """Instances in a SQL database: SQLite (a file) or PostgreSQL (``postgresql+psycopg://``).

    ``create=True`` creates or upgrades the tables (Alembic) when the database is not at the
    head revision; otherwise such a database is refused with :class:`SchemaNotCurrent`, whose
    message names the command to run (``statewise db upgrade --db URL``).
    ``sqlite_synchronous`` (``NORMAL``: a commit survives a process crash; ``FULL``: a power
    loss too) and ``busy_timeout`` (seconds a SQLite writer waits for the lock) apply to
    SQLite. ``audit=False`` keeps no audit trail (and so nothing to replay); ``cache_size`` bounds the record cache
    (0: none); ``echo=True`` logs every statement on the ``sqlalchemy.engine.Engine`` logger.
    Thread-safe: each thread gets its own connection; :meth:`close` closes them all.
    """

    def __init__(
        self,
        url: str | URL,
        *,
        echo: bool = False,
        create: bool = False,
        sqlite_synchronous: str = "NORMAL",
        busy_timeout: float = 10.0,
        audit: bool = True,
        cache_size: int = 10_000,
    ) -> None:
        engine = make_engine(
            url, echo=echo, sqlite_synchronous=sqlite_synchronous, busy_timeout=busy_timeout
        )
        self.keeps_audit = audit
        #: the audit trail also records what ``statewise replay`` needs (start context,
        #: context changes and effects of every step)
        self.keeps_step_details = audit
        self._db = Driver(engine, echo=echo)
        self.url = self._db.url
        self.dialect = self._db.name
        try:
            found = schema.current(engine)
            if found != schema.HEAD:
                if not create:
                    raise SchemaNotCurrent(self.url, found, schema.HEAD)
                schema.upgrade(engine)
        except SchemaNotCurrent:
            engine.dispose()
            raise
        except (self._db.Error, DBAPIError) as exc:
            engine.dispose()
            raise DatabaseError(f"cannot open {self.url}: {exc}") from exc
        self._sql = Statements(engine.dialect)
        self._time = self._db.time
        self._read_time = self._db.read_time
        self._rows = Rows(
            self._sql, self._time, self._read_time, audit=audit, cache_size=cache_size
        )
        self._charts: set[tuple[str, int]] = set()
        self._riders = threading.local()
        self._pg = PgUnits(engine.dialect) if self.dialect == "postgresql" else None

    @contextmanager
    def riding_along(self, *statements: Stmt) -> Iterator[None]:
        """Run ``statements`` in the transaction of this thread's next ``create`` or ``save``
        within the block (at most one): both are saved, or neither. Statements that found
        no write to ride along are dropped when the block ends (the caller can tell: nothing
        was saved). Used to mark an idempotency key applied together with its step."""
        self._riders.waiting = list(statements)
        try:
            yield
        finally:
            self._riders.waiting = None

    def _ride(self) -> list[Stmt]:
        """The statements waiting for a write (kept until one commits: :meth:`_rode`)."""
        waiting: list[Stmt] | None = getattr(self._riders, "waiting", None)
        return waiting or []

    def _rode(self) -> None:
        self._riders.waiting = None

    def close(self) -> None:
        """Close every connection the store opened."""
        self._db.close()

    def check_writable(self) -> None:
        """Raise ``DatabaseError`` unless this store can write (a read-only file, replica or
        transaction fails here, before any work is claimed): a write that changes nothing."""
        probe = f"UPDATE {schema.VERSION_TABLE} SET version_num = version_num"
        self._db.transaction([(probe, ())])

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<SqlStore {self.url}>"

    def new_id(self) -> str:
        """Time-ordered (milliseconds, hex) plus 64 random bits: unique across processes."""
        return f"{_time.time_ns() // 1_000_000:011x}{secrets.token_hex(8)}"

    # -- units of work ----------------------------------------------------------------
    def create(self, record: InstanceRecord, changes: Changes) -> InstanceRecord:
        info = record.info
        args, ctx = self._rows.instance_args(record)
        when = args[8]
        rest = self._rows.changes(info.id, changes, when)
        riders = self._ride()
        if riders:
            rest = [*riders, *rest]  # first: run before anything in it can fail
        chart = (info.chart, info.version)
        pre: list[Stmt] = []
        if chart not in self._charts:  # the version's row must exist (immutable, hash later)
            pre.append((self._sql.ensure_chart, (*chart, "", None, when)))
        db = self._db
        try:
            db.write(self._sql.insert_instance, args, rest, False, pre)
        except db.IntegrityError as exc:
            raise self._create_failed(record, exc) from exc
        except db.Error as exc:
            raise db.failed(exc) from exc
        if riders:
            self._rode()
        self._charts.add(chart)
        self._rows.remember(info.id, record, ctx)
        return record

    def _create_failed(self, record: InstanceRecord, exc: Exception) -> Exception:
        if record.key is not None:
            found = self.find(record.chart, record.key)
            if found is not None:
                return DuplicateKey(record.chart, record.key, found.id)
        if self._db.one(self._sql.exists, (record.id,)) is not None:
            return ValueError(f"instance id {record.id!r} is already used")
        return DatabaseError(f"{self.url}: {exc}")

    def move_instance(
        self,
        instance_id: str,
        snapshot: Snapshot,
        *,
        chart_version: int,
        status: InstanceStatus,
        expected_version: int,
        time: datetime,
        changes: Changes,
    ) -> InstanceRecord:
        """:meth:`save` that also moves the instance to another version of its chart
        (``statewise migrate``), in the same transaction: both or neither."""
        return self._save(
            instance_id, snapshot, status, expected_version, time, changes, chart_version
        )

    def save(
        self,
        instance_id: str,
        snapshot: Snapshot,
        *,
        status: InstanceStatus,
        expected_version: int,
        time: datetime,
        changes: Changes,
    ) -> InstanceRecord:
        return self._save(instance_id, snapshot, status, expected_version, time, changes)

    # -- queries ----------------------------------------------------------------------
    def load(self, instance_id: str) -> InstanceRecord:
        row = self._db.one(self._sql.load, (instance_id,))
        if row is None:
            raise InstanceNotFound(instance_id)
        return self._rows.record(row)

    def find(self, chart: str, key: str) -> InstanceRecord | None:
        row = self._db.one(self._sql.find, (chart, key))
        return None if row is None else self._rows.record(row)

    def children(self, instance_id: str) -> tuple[InstanceRecord, ...]:
        rows = self._db.all(self._sql.children, (instance_id,))
        return tuple(map(self._rows.record, rows))

    def due(self, now: datetime, limit: int = 100) -> tuple[DueTimer, ...]:
        t = self._time(now)
        rows = self._db.all(self._sql.due, (t, t, limit))
        read = self._read_time
        return tuple(DueTimer(iid, tid, read(due)) for iid, tid, due in rows)

    def timers(self, instance_id: str) -> dict[str, datetime]:
        """The timer index entries of one instance (timer id -> due)."""
        rows = self._db.all(self._sql.timers_of, (instance_id,))
        return {tid: self._read_time(due) for tid, due in rows}

    def history(self, instance_id: str) -> tuple[AuditRecord, ...]:
        """The audit trail, oldest first; an archived instance's comes from the archive."""
        rows = self._db.all(self._sql.history, (instance_id,))
        if not rows and self._db.one(self._sql.exists, (instance_id,)) is None:
            archived = self.archived_history(instance_id)
            if archived is None:
                raise InstanceNotFound(instance_id)
            return archived
        return self._rows.audit_records(instance_id, rows)

    # -- outbox -----------------------------------------------------------------------
    def pending_outbox(self, limit: int = 100) -> tuple[OutboxItem, ...]:
        return tuple(map(self._outbox_item, self._db.all(self._sql.pending_outbox, (limit,))))

    def outbox_done(self, item_id: str) -> None:
        self._db.transaction([(self._sql.outbox_done, (item_id,))])

    def outbox_done_many(self, item_ids: Sequence[str]) -> None:
        """Mark many outbox items as performed, in one statement."""
        if item_ids:
            ids = list(item_ids)
            self._db.transaction(
                [(self._sql.outbox_done_many, (ids if self._pg else json.dumps(ids),))]
            )

    def database_now(self) -> datetime:
        """The database server's clock (what leases and due timers are measured against
        when several hosts share the database; on SQLite, this host's clock)."""
        if self._pg is None:
            return datetime.now(UTC)
        found: datetime = self._db.one(self._sql.now, ())[0]
        return found

    def outbox_failed(
        self,
        item_id: str,
        error: str,
        *,
        next_attempt_at: datetime | None = None,
        dead: bool = False,
    ) -> None:
        """Record a failed attempt: ``attempts`` + 1 and ``error`` kept.

        The item stays pending (status ``failed``) and may be tried again from
        ``next_attempt_at`` on (None: at once). ``dead=True`` gives up on it: status
        ``dead``, listed by :meth:`dead_letters` until :meth:`requeue` revives it.
        """
        when = None if next_attempt_at is None else self._time(next_attempt_at)
        status = "dead" if dead else "failed"
        self._db.transaction([(self._sql.outbox_failed, (status, when, error, item_id))])
