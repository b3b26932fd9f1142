"""Data that does not grow forever: purging done outbox items, archiving finished instances.

* :meth:`Retention.purge_outbox` deletes done outbox items created before a time, a batch at
  a time (the partial index ``ix_statewise_outbox_done`` finds them; ``SKIP LOCKED`` on
  PostgreSQL lets several workers purge side by side).
* :meth:`Retention.archive_finished` moves finished instances (done before a time, with no
  child left in the live tables and no outbox item still to perform) to
  ``statewise_archive``, in one transaction per batch: the instance row and its audit trail
  become one JSON document (:mod:`.archive_format`), the live rows are deleted. Children go
  before their parents (a parent waits for its children's turn).
* The archive is read back by id (:meth:`Retention.archived`; ``history`` falls back on it),
  listed page by page, exported to JSON Lines and deleted after export.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from engine.store.records import AuditRecord
from engine.store.sql.archive_format import archive_record, audit_from_record
from engine.store.sql.driver import Driver
from engine.store.sql.statements import INSTANCE_COLUMNS

__all__ = ["ArchivePage", "ArchivedSummary", "Retention"]

_IN_COLUMNS = ", ".join(f"i.{c.name}" for c in INSTANCE_COLUMNS)
_CREATED = [c.name for c in INSTANCE_COLUMNS].index("created")
_AUDIT_COLUMNS = (
    "instance_id, seq, line, kind, event, data, from_configuration, to_configuration, actor, "
    "note, client_note, time, origin, roles, changes, effects"
)
_SUMMARY = "id, chart, chart_version, business_key, parent, state, created, finished, archived"


class ArchivedSummary(NamedTuple):
    """One line of the archive's listing."""

    id: str
    chart: str
    version: int
    key: str | None
    parent: str | None
    #: the leaf states it finished in
    state: str
    created: datetime
    finished: datetime
    archived: datetime


class ArchivePage(NamedTuple):
    items: tuple[ArchivedSummary, ...]
    next: str | None


class _Sql:
    """The statements of one dialect (``many``: how a JSON list of ids is matched)."""

    def __init__(self, pg: bool) -> None:
        mark = "%s" if pg else "?"
        many = "= ANY(%s)" if pg else "IN (SELECT value FROM json_each(?))"
        lock = " FOR UPDATE OF o SKIP LOCKED" if pg else ""
        self.purge = (
            f"DELETE FROM statewise_outbox WHERE id IN (SELECT o.id FROM statewise_outbox o "
            f"WHERE o.status = 'done' AND o.created < {mark} ORDER BY o.created "
            f"LIMIT {mark}{lock})"
        )
        self.candidates = (
            f"SELECT {_IN_COLUMNS}, i.state, i.state_since FROM statewise_instances i "
            f"WHERE i.status = 'done' AND i.state_since < {mark} "
            "AND NOT EXISTS (SELECT 1 FROM statewise_instances c WHERE c.parent = i.id) "
            "AND NOT EXISTS (SELECT 1 FROM statewise_outbox o WHERE o.instance_id = i.id "
            "AND o.status <> 'done') "
            f"ORDER BY i.state_since LIMIT {mark}" + (" FOR UPDATE OF i SKIP LOCKED" if pg else "")
        )
        self.audit_of = (
            f"SELECT {_AUDIT_COLUMNS} FROM statewise_audit WHERE instance_id {many} "
            "ORDER BY instance_id, seq, line"
        )
        self.insert = (
            "INSERT INTO statewise_archive (id, chart, chart_version, business_key, parent, "
            f"state, created, finished, archived, record) VALUES ({', '.join([mark] * 10)})"
        )
        self.delete = [
            f"DELETE FROM statewise_audit WHERE instance_id {many}",
            f"DELETE FROM statewise_outbox WHERE instance_id {many}",
            f"DELETE FROM statewise_timers WHERE instance_id {many}",
            f"DELETE FROM statewise_instances WHERE id {many}",
        ]
        self.record = f"SELECT record FROM statewise_archive WHERE id = {mark}"
        self.forget = f"DELETE FROM statewise_archive WHERE id {many}"
        self.mark = mark

    def listing(self, chart: bool, key: bool, after: bool, before: bool, full: bool) -> str:
        """The archive in archiving order (``archived``, ``id``), filtered; ``full``: with
        the record."""
        m = self.mark
        conds = [c for c, on in ((f"chart = {m}", chart), (f"business_key = {m}", key)) if on]
        if before:
            conds.append(f"archived < {m}")
        if after:
            conds.append(f"(archived, id) > ({m}, {m})")  # a range of the index
        where = f" WHERE {' AND '.join(conds)}" if conds else ""
        columns = _SUMMARY + (", record" if full else "")
        return f"SELECT {columns} FROM statewise_archive{where} ORDER BY archived, id LIMIT {m}"


class Retention:
    """Purging and archiving of a SQL store (see :class:`SqlStore`)."""

    _db: Driver
    _time: Callable[[datetime], Any]
    _read_time: Callable[[Any], datetime]
    _retention_sql: _Sql | None = None

    @property
    def _rsql(self) -> _Sql:
        found = self._retention_sql
        if found is None:
            found = self._retention_sql = _Sql(self._db.name == "postgresql")
        return found

    def _ids(self, ids: Sequence[str]) -> Any:
        return list(ids) if self._db.name == "postgresql" else json.dumps(list(ids))

    # -- the outbox -------------------------------------------------------------------
    def purge_outbox(self, before: datetime, limit: int = 1000) -> int:
        """Delete up to ``limit`` done outbox items created before ``before``, oldest
        first; returns how many (call again until it returns less than ``limit``)."""
        count: int = self._db.statement(self._rsql.purge, (self._time(before), limit))
        return count

    # -- archiving --------------------------------------------------------------------
    def archive_finished(self, before: datetime, archived: datetime, limit: int = 500) -> list[str]:
        """Move up to ``limit`` instances finished before ``before`` to the archive (one
        transaction); returns their ids, oldest first."""
        sql, db = self._rsql, self._db
        when = self._time(archived)
        with db.begin() as cur:
            cur.execute(sql.candidates, (self._time(before), limit))
            found = cur.fetchall()
            if not found:
                return []
            ids = [row[0] for row in found]
            cur.execute(sql.audit_of, (self._ids(ids),))
            trails: dict[str, list[Any]] = {}
            for row in cur.fetchall():
                trails.setdefault(row[0], []).append(row[1:])
            read = self._read_time
            rows = []
            for row in found:
                record = archive_record(row, trails.get(row[0], []), read)
                iid, chart, version, key, parent = row[:5]
                state, finished = row[-2], row[-1]
                created = row[_CREATED]
                rows.append(
                    (iid, chart, version, key, parent, state, created, finished, when, record)
                )
            cur.executemany(sql.insert, rows)
            arg = (self._ids(ids),)
            for statement in sql.delete:
                cur.execute(statement, arg)
        return ids

    def archived(self, instance_id: str) -> dict[str, Any] | None:
        """The archived document of an instance (see :mod:`.archive_format`), or None."""
        from engine.store.sql.codec import loads

        row = self._db.one(self._rsql.record, (instance_id,))
        if row is None:
            return None
        found: dict[str, Any] = loads(row[0])
        return found

    def archived_history(self, instance_id: str) -> tuple[AuditRecord, ...] | None:
        """The audit trail of an archived instance, oldest first; None when not archived."""
        document = self.archived(instance_id)
        return None if document is None else audit_from_record(document)

    def list_archive(
        self,
        *,
        chart: str | None = None,
        key: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> ArchivePage:
        """A page of the archive in archiving order; ``after``: the previous page's
        ``next``."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        rows = self._archive_rows(chart, key, after, None, limit + 1, full=False)
        read = self._read_time
        items = tuple(
            ArchivedSummary(i, c, v, k, p, s, read(cr), read(f), read(a))
            for i, c, v, k, p, s, cr, f, a in rows[:limit]
        )
        more = None
        if len(rows) > limit:
            last = items[-1]
            more = f"{last.archived.isoformat()}|{last.id}"
        return ArchivePage(items, more)

    def archive_batch(
        self, before: datetime | None, chart: str | None, after: str | None, limit: int
    ) -> list[tuple[str, datetime, str]]:
        """(id, archived, record text) of up to ``limit`` archived instances, archived before
        ``before``, in archiving order after the cursor ``after`` (``<archived iso>|<id>``)."""
        rows = self._archive_rows(chart, None, after, before, limit, full=True)
        return [(r[0], self._read_time(r[8]), r[9]) for r in rows]

    def forget_archived(self, ids: Sequence[str]) -> int:
        """Delete archived instances (after an export); returns how many."""
        if not ids:
            return 0
        count: int = self._db.statement(self._rsql.forget, (self._ids(ids),))
        return count

    def _archive_rows(
        self,
        chart: str | None,
        key: str | None,
        after: str | None,
        before: datetime | None,
        limit: int,
        *,
        full: bool,
    ) -> list[Any]:
        args: list[Any] = [v for v in (chart, key) if v is not None]
        if before is not None:
            args.append(self._time(before))
        if after is not None:
            at, sep, last = after.rpartition("|")
            try:
                when = self._time(datetime.fromisoformat(at))
            except ValueError:
                sep = ""
            if not sep:
                raise ValueError(f"cursor {after!r} does not belong to this listing")
            args += [when, last]
        args.append(limit)
        sql = self._rsql.listing(
            chart is not None, key is not None, after is not None, before is not None, full
        )
        return self._db.all(sql, args)
