"""Saving units of work in a SQL store: one (``save``) or many at once (``save_many``).

* **One unit** is one transaction. On PostgreSQL it is a single statement
  (:mod:`.units`: the update under its optimistic check, then the audit, timer and outbox
  rows, all in one round trip); on SQLite ``BEGIN IMMEDIATE``, the statements, ``COMMIT``.
* **Many units** share one transaction and its one commit (one WAL flush), each unit still
  all or nothing on its own: on PostgreSQL one set-based statement (a unit whose version
  moved on matches no row and writes nothing); on SQLite a savepoint per unit. When the
  batch statement fails on PostgreSQL (a constraint of one unit's rows), the batch is rolled
  back and each unit saved on its own, so the failing unit gets the error and the others
  are saved. No savepoints on PostgreSQL: a transaction with more than 64 subtransactions
  slows every session's snapshots (the "subtransaction overflow" of ``pg_subtrans``).

Statements *riding along* (``SqlStore.riding_along``: an idempotency key marked applied with
its step) join the next save, or the next batch (committed with it when any of its units is
saved, rolled back with it otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from engine.runtime import InstanceInfo, Snapshot
from engine.store.ports import ConcurrentUpdate, InstanceNotFound, StoreError, check_distinct
from engine.store.records import NO_CHANGES, Changes, InstanceRecord, InstanceStatus, SaveUnit
from engine.store.sql.codec import dumps, to_json
from engine.store.sql.driver import Driver, Stmt
from engine.store.sql.errors import DatabaseError
from engine.store.sql.rows import EMPTY_JSON, Rows, UnitRows, calls_json
from engine.store.sql.statements import Statements
from engine.store.sql.units import PgUnits, json_time

__all__ = ["Saving"]

_new = tuple.__new__
#: units per statement of a PostgreSQL batch
PG_CHUNK = 500


class Saving:
    """``save``, ``save_many`` and ``load_many`` of a SQL store (see :class:`SqlStore`)."""

    _db: Driver
    _sql: Statements
    _rows: Rows
    _pg: PgUnits | None
    _time: Callable[[datetime], Any]
    _read_time: Callable[[Any], datetime]
    #: statements riding along with this thread's next save (``SqlStore.riding_along``)
    _ride: Callable[[], list[Stmt]]
    _rode: Callable[[], None]

    # -- one unit ---------------------------------------------------------------------
    def _save(
        self,
        instance_id: str,
        snapshot: Snapshot,
        status: InstanceStatus,
        expected_version: int,
        time: datetime,
        changes: Changes,
        chart_version: int | None = None,
    ) -> InstanceRecord:
        rows = self._rows
        entry = rows.cache.get(instance_id)
        conf, ctx, history, timers, calls = self._parts(snapshot, entry)
        when = self._time(time)
        version = expected_version + 1
        head = (conf[0], conf[1], when, ctx, history, timers, calls, snapshot.done, status,
                version, when)  # fmt: skip
        db = self._db
        riders = self._ride()  # statements that must commit with this save (or not at all)
        try:
            if self._pg is not None:
                unit_rows = rows.change_rows(instance_id, changes, when)
                sql, args = self._pg.one(
                    (*head, instance_id, expected_version), unit_rows, chart_version
                )
                # with riders: BEGIN, riders, the save; COMMIT only when the save matched
                found = db.write(sql, args, (), True, riders) if riders else db.all(sql, args)
            else:
                found = self._save_sqlite(
                    head, instance_id, expected_version, changes, chart_version, entry, riders
                )
        except (DatabaseError, db.Error) as exc:
            failure = exc if isinstance(exc, DatabaseError) else db.failed(exc)
            conflict = self._conflict(instance_id, expected_version)
            if not _same_version(conflict):
                raise conflict from None
            if failure is exc:
                raise
            raise failure from exc
        if not found:
            raise self._conflict(instance_id, expected_version)
        if riders:
            self._rode()
        new = self._record(
            instance_id, snapshot, status, version, time, entry, found, chart_version
        )
        rows.remember(instance_id, new, ctx)
        return new

    def _parts(
        self, snapshot: Snapshot, entry: tuple[InstanceRecord, str] | None
    ) -> tuple[tuple[str, str], str, str, str, str | None]:
        """The configuration (JSON, leaf states), context, history, timers and task calls
        as text."""
        context = snapshot.context
        if entry is not None and entry[0][1].context is context:
            ctx = entry[1]  # the very context last seen: its JSON is known
        else:
            ctx = dumps(to_json(context))
        history, timers = snapshot.history, snapshot.timers
        return (
            self._rows.config(snapshot.configuration),
            ctx,
            EMPTY_JSON if not history else dumps(to_json(history)),
            EMPTY_JSON if not timers else dumps(to_json(timers)),
            calls_json(snapshot.calls),
        )

    def _save_sqlite(
        self,
        head: tuple[Any, ...],
        instance_id: str,
        expected: int,
        changes: Changes,
        chart_version: int | None,
        entry: object,
        riders: list[Stmt],
    ) -> Any:
        sql, args, rest, fetch = self._sqlite_unit(
            head, instance_id, expected, changes, chart_version, entry
        )
        if riders:
            rest = [*riders, *rest]  # first: run before anything in it can fail
        db = self._db
        try:
            return db.write(sql, args, rest, fetch)
        except db.Error as exc:
            raise db.failed(exc) from exc

    def _sqlite_unit(
        self,
        head: tuple[Any, ...],
        instance_id: str,
        expected: int,
        changes: Changes,
        chart_version: int | None,
        entry: object,
    ) -> tuple[str, tuple[Any, ...], list[Any], bool]:
        """(first statement, its arguments, the other statements, fetch?) of one unit."""
        when = head[2]
        rest = [] if changes is NO_CHANGES else self._rows.changes(instance_id, changes, when)
        args = (*head[:2], head[1], *head[2:], instance_id, expected)  # state twice: CASE
        sql = self._sql
        if chart_version is not None:
            return sql.save_move, (chart_version, *args), rest, True
        if entry is not None:
            return sql.save, args, rest, False
        return sql.save_returning, args, rest, True

    def _record(
        self,
        instance_id: str,
        snapshot: Snapshot,
        status: InstanceStatus,
        version: int,
        time: datetime,
        entry: tuple[InstanceRecord, str] | None,
        found: Any,
        chart_version: int | None,
    ) -> InstanceRecord:
        """The saved record; its identity comes from the cache or the returned row."""
        if entry is not None and chart_version is None:
            old = entry[0]
            info, created, spawn = old[0], old[4], old[6]
        else:
            chart, cv, key, parent, spawn, created = found[0][-6:]
            info = InstanceInfo(instance_id, key, chart, cv, parent)
            created = self._read_time(created)
        return _new(InstanceRecord, (info, snapshot, status, version, created, time, spawn))

    def _conflict(self, instance_id: str, expected: int) -> StoreError:
        row = self._db.one(self._sql.version_of, (instance_id,))
        if row is None:
            return InstanceNotFound(instance_id)
        return ConcurrentUpdate(instance_id, expected, row[0])

    # -- many units -------------------------------------------------------------------
    def load_many(self, instance_ids: Iterable[str]) -> dict[str, InstanceRecord]:
        """The stored instances among ``instance_ids`` (one query per 1,000), by id."""
        ids = list(dict.fromkeys(instance_ids))
        out: dict[str, InstanceRecord] = {}
        pg = self._pg is not None
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            arg = chunk if pg else json.dumps(chunk)
            for row in self._db.all(self._sql.load_many, (arg,)):
                out[row[0]] = self._rows.record(row)
        return out

    def save_many(self, units: Sequence[SaveUnit]) -> list[InstanceRecord | StoreError]:
        """Save ``units`` (at most one per instance) in one transaction, each all or nothing.

        Returns, per unit, the new record or the :class:`StoreError` it alone met; a failure
        of the database itself raises :class:`DatabaseError`.
        """
        check_distinct(units)
        if self._pg is None:
            return self._many_sqlite(units)
        out: list[InstanceRecord | StoreError] = []
        for start in range(0, len(units), PG_CHUNK):
            out += self._many_pg(units[start : start + PG_CHUNK])
        return out

    def _many_sqlite(self, units: Sequence[SaveUnit]) -> list[InstanceRecord | StoreError]:
        rows, db = self._rows, self._db
        prepared = []
        batch = []
        for u in units:
            entry = rows.cache.get(u.instance_id)
            conf, ctx, history, timers, calls = self._parts(u.snapshot, entry)
            when = self._time(u.time)
            head = (conf[0], conf[1], when, ctx, history, timers, calls, u.snapshot.done,
                    u.status, u.expected_version + 1, when)  # fmt: skip
            batch.append(
                self._sqlite_unit(
                    head, u.instance_id, u.expected_version, u.changes, u.chart_version, entry
                )
            )
            prepared.append((entry, ctx))
        riders = self._ride()  # they commit with the batch when any unit is saved
        try:
            results = db.write_each(batch, riders)
        except db.Error as exc:
            raise db.failed(exc) from exc
        if riders and any(r and not isinstance(r, Exception) for r in results):
            self._rode()
        return [
            self._outcome(u, entry, ctx, found)
            for u, (entry, ctx), found in zip(units, prepared, results, strict=True)
        ]

    def _outcome(
        self, u: SaveUnit, entry: Any, ctx: str, found: Any
    ) -> InstanceRecord | StoreError:
        if isinstance(found, Exception):
            return DatabaseError(f"{self._db.url}: {found}")
        if not found:
            return self._conflict(u.instance_id, u.expected_version)
        new = self._record(
            u.instance_id,
            u.snapshot,
            u.status,
            u.expected_version + 1,
            u.time,
            entry,
            found,
            u.chart_version,
        )
        self._rows.remember(u.instance_id, new, ctx)
        return new

    def _many_pg(self, units: Sequence[SaveUnit]) -> list[InstanceRecord | StoreError]:
        assert self._pg is not None
        rows = self._rows
        heads: list[tuple[Any, ...]] = []
        unit_rows: list[UnitRows] = []
        prepared = []
        for u in units:
            entry = rows.cache.get(u.instance_id)
            conf, ctx, history, timers, calls = self._parts(u.snapshot, entry)
            when = json_time(u.time)
            heads.append(
                (
                    u.instance_id,
                    conf[0],
                    conf[1],
                    when,
                    ctx,
                    history,
                    timers,
                    calls,
                    u.snapshot.done,
                    u.status,
                    u.expected_version,
                    when,
                    u.chart_version,
                )
            )
            unit_rows.append(rows.change_rows(u.instance_id, u.changes, when, json_time))
            prepared.append((entry, ctx))
        db = self._db
        riders = self._ride()
        args = self._pg.batch_args(heads, unit_rows)
        try:
            if riders:  # BEGIN, riders, the batch; COMMIT only when a unit was saved
                found = db.write(self._pg.batch, args, (), True, riders)
            else:
                found = db.all(self._pg.batch, args)
        except (DatabaseError, db.Error) as exc:
            cause = (exc.__cause__ or exc) if isinstance(exc, DatabaseError) else exc
            if db.lost(cause):
                if isinstance(exc, DatabaseError):
                    raise
                raise db.failed(exc) from exc
            return [self._one_of_many(u) for u in units]  # find the unit that fails
        if riders and found:
            self._rode()
        by_id = {row[0]: [row] for row in found}
        return [
            self._outcome(u, entry, ctx, by_id.get(u.instance_id))
            for u, (entry, ctx) in zip(units, prepared, strict=True)
        ]

    def _one_of_many(self, u: SaveUnit) -> InstanceRecord | StoreError:
        try:
            return self._save(
                u.instance_id,
                u.snapshot,
                u.status,
                u.expected_version,
                u.time,
                u.changes,
                u.chart_version,
            )
        except DatabaseError as exc:
            if self._db.lost(exc.__cause__ or exc):
                raise
            return exc
        except StoreError as exc:
            return exc


def _same_version(conflict: StoreError) -> bool:
    """True when :meth:`Saving._conflict` found the version it expected (no conflict)."""
    return isinstance(conflict, ConcurrentUpdate) and conflict.actual == conflict.expected
