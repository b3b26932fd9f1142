"""Units of work on PostgreSQL as single statements: one round trip, one transaction.

A save is one statement made of data-modifying CTEs, run in autocommit (so the statement is
the transaction): the instance row is updated under its optimistic check, and its audit
rows, timer-index changes and outbox rows are written only when that update matched::

    WITH u  AS (UPDATE statewise_instances SET ... WHERE id = $id AND row_version = $expected
                RETURNING ...),
         a  AS (INSERT INTO statewise_audit (...) SELECT x.* FROM (VALUES ...) AS x(...), u),
         ts AS (INSERT INTO statewise_timers ... SELECT ... FROM (VALUES ...) AS x(...), u
                ON CONFLICT (instance_id, timer_id) DO UPDATE SET due = excluded.due, ...),
         tc AS (DELETE FROM statewise_timers t USING u WHERE t.instance_id = $id AND ...),
         o  AS (INSERT INTO statewise_outbox (...) SELECT x.* FROM (VALUES ...) AS x(...), u)
    SELECT ... FROM u

No row back means the version moved on (or the instance is gone) and nothing was written.
Compared with ``BEGIN``, the statements and ``COMMIT`` sent as a pipeline, this halves the
client's work per save and saves the server three statements (docs/performance.md). The
statement of each *shape* (how many audit rows, timers and outbox rows) is built once.

A **batch** of units is one statement too: the instance rows and every other table's rows
travel as JSON arrays (one parameter per table), are expanded with ``jsonb_array_elements``
and joined to the instances the update matched, so a unit whose version moved on writes
nothing and the others are saved; the whole batch is one transaction and one WAL flush.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Dialect, Table

from engine.store.sql.rows import UnitRows
from engine.store.sql.tables import audit, instances, outbox, timers

__all__ = ["RETURNED", "PgUnits", "json_time"]

#: what a save returns of the instance row (the parts of a record that never change)
RETURNED = ("chart", "chart_version", "business_key", "parent", "spawn", "created")
_SET = (
    "configuration",
    "state",
    "state_since",
    "context",
    "history",
    "timers",
    "calls",
    "done",
    "status",
    "row_version",
    "updated",
)
_AUDIT = [
    "instance_id",
    "seq",
    "line",
    "kind",
    "event",
    "data",
    "from_configuration",
    "to_configuration",
    "actor",
    "note",
    "client_note",
    "time",
    "origin",
    "roles",
    "changes",
    "effects",
]
_TIMER = ("instance_id", "timer_id", "due")
_OUTBOX = [
    "id",
    "instance_id",
    "seq",
    "position",
    "kind",
    "payload",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "lease_owner",
    "created",
]
#: (instance) columns of one unit in the batch's JSON, in this order
_UNIT = [
    "id",
    "configuration",
    "state",
    "since",
    "context",
    "history",
    "timers",
    "calls",
    "done",
    "status",
    "expected",
    "updated",
    "chart_version",
]
_MAX_SHAPES = 512


def json_time(value: datetime) -> str:
    """A time as the batch's JSON carries it (ISO 8601 with its offset)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


class PgUnits:
    """The save statements of one PostgreSQL database (their column types come from
    :mod:`.tables`, rendered by the dialect)."""

    def __init__(self, dialect: Dialect) -> None:
        self._types = {
            (t.name, c.name): c.type.compile(dialect=dialect)
            for t in (instances, audit, timers, outbox)
            for c in t.columns
        }
        self._shapes: dict[tuple[int, int, int, int, bool], str] = {}
        self.batch = self._batch()

    def _type(self, table: Table, column: str) -> str:
        return self._types[(table.name, column)]

    # -- one unit ---------------------------------------------------------------------
    def one(
        self, update: Sequence[Any], rows: UnitRows, chart_version: int | None
    ) -> tuple[str, list[Any]]:
        """The statement and parameters of one unit.

        ``update``: configuration, state, since, context, history, timers, calls, done,
        status, new row version, updated, id, expected row version.
        """
        a, ts, tc, o = rows
        move = chart_version is not None
        shape = (len(a), len(ts), len(tc), len(o), move)
        sql = self._shapes.get(shape)
        if sql is None:
            sql = self._one(*shape)
            if len(self._shapes) < _MAX_SHAPES:
                self._shapes[shape] = sql
        conf, state, since, *rest = update[:-2]
        iid, expected = update[-2], update[-1]
        args: list[Any] = [conf, state, state, since, *rest]
        if move:
            args.append(chart_version)
        args += (iid, expected)
        for row in a:
            args += row
        for row in ts:
            args += row
        if tc:
            args.append(iid)
            args += (t for _i, t in tc)
        for row in o:
            args += row
        return sql, args

    def _values(self, table: Table, columns: Sequence[str], count: int) -> str:
        row = "(" + ", ".join(f"%s::{self._type(table, c)}" for c in columns) + ")"
        return ", ".join([row] * count)

    def _one(self, n_audit: int, n_set: int, n_cancel: int, n_outbox: int, move: bool) -> str:
        sets = [
            "configuration = %s",
            "state = %s",
            "state_since = CASE WHEN state = %s THEN state_since ELSE %s END",
            *(f"{c} = %s" for c in _SET[3:]),
        ]
        if move:
            sets.append("chart_version = %s")
        parts = [
            f"u AS (UPDATE {instances.name} SET {', '.join(sets)} "
            f"WHERE id = %s AND row_version = %s RETURNING {', '.join(RETURNED)})"
        ]
        if n_audit:
            parts.append(_insert("a", audit.name, _AUDIT, self._values(audit, _AUDIT, n_audit)))
        if n_set:
            values = self._values(timers, _TIMER, n_set)
            parts.append(_insert("ts", timers.name, _TIMER, values, _TIMER_UPSERT))
        if n_cancel:
            marks = ", ".join(["%s"] * n_cancel)
            parts.append(
                f"tc AS (DELETE FROM {timers.name} t USING u "
                f"WHERE t.instance_id = %s AND t.timer_id IN ({marks}))"
            )
        if n_outbox:
            parts.append(
                _insert("o", outbox.name, _OUTBOX, self._values(outbox, _OUTBOX, n_outbox))
            )
        return f"WITH {', '.join(parts)} SELECT {', '.join(RETURNED)} FROM u"

    # -- many units -------------------------------------------------------------------
    def _elements(self, table: Table, columns: Sequence[str], names: Sequence[str]) -> str:
        return ", ".join(
            f"(e->>{i})::{self._type(table, c)} AS {n}"
            for i, (c, n) in enumerate(zip(columns, names, strict=True))
        )

    def _batch(self) -> str:
        unit_columns = ["id", *_SET, "chart_version"]  # the typed columns of _UNIT, in order
        v = self._elements(instances, unit_columns, _UNIT)
        sets = [
            "configuration = v.configuration",
            "state = v.state",
            "state_since = CASE WHEN i.state = v.state THEN i.state_since ELSE v.since END",
            "context = v.context",
            "history = v.history",
            "timers = v.timers",
            "calls = v.calls",
            "done = v.done",
            "status = v.status",
            "row_version = v.expected + 1",
            "updated = v.updated",
            "chart_version = coalesce(v.chart_version, i.chart_version)",
        ]
        returned = ", ".join(f"i.{c}" for c in ("id", *RETURNED))
        cols = ", ".join
        return (
            f"WITH v AS (SELECT {v} FROM jsonb_array_elements(%s::jsonb) AS e), "
            f"u AS (UPDATE {instances.name} AS i SET {', '.join(sets)} FROM v "
            f"WHERE i.id = v.id AND i.row_version = v.expected RETURNING {returned}), "
            f"a AS (INSERT INTO {audit.name} ({cols(_AUDIT)}) "
            f"SELECT {self._elements(audit, _AUDIT, _AUDIT)} "
            "FROM jsonb_array_elements(%s::jsonb) AS e JOIN u ON u.id = e->>0), "
            f"ts AS (INSERT INTO {timers.name} ({cols(_TIMER)}) "
            f"SELECT {self._elements(timers, _TIMER, _TIMER)} "
            f"FROM jsonb_array_elements(%s::jsonb) AS e JOIN u ON u.id = e->>0{_TIMER_UPSERT}), "
            f"tc AS (DELETE FROM {timers.name} t USING jsonb_array_elements(%s::jsonb) AS e "
            "JOIN u ON u.id = e->>0 WHERE t.instance_id = e->>0 AND t.timer_id = e->>1), "
            f"o AS (INSERT INTO {outbox.name} ({cols(_OUTBOX)}) "
            f"SELECT {self._elements(outbox, _OUTBOX, _OUTBOX)} "
            "FROM jsonb_array_elements(%s::jsonb) AS e JOIN u ON u.id = e->>1) "
            "SELECT id, " + ", ".join(RETURNED) + " FROM u"
        )

    @staticmethod
    def batch_args(
        units: Sequence[Sequence[Any]], rows: Sequence[UnitRows]
    ) -> tuple[str, str, str, str, str]:
        """The batch statement's parameters: each table's rows as one JSON array (times
        already converted with :func:`json_time`)."""
        dumps = json.dumps
        return (
            dumps(units, separators=(",", ":")),
            dumps([r for u in rows for r in u.audit], separators=(",", ":")),
            dumps([r for u in rows for r in u.timer_set], separators=(",", ":")),
            dumps([r for u in rows for r in u.timer_cancel], separators=(",", ":")),
            dumps([r for u in rows for r in u.outbox], separators=(",", ":")),
        )


_TIMER_UPSERT = (
    " ON CONFLICT (instance_id, timer_id) DO UPDATE SET due = excluded.due, "
    "lease_owner = NULL, lease_until = NULL"
)


def _insert(name: str, table: str, columns: Sequence[str], values: str, tail: str = "") -> str:
    cols = ", ".join(columns)
    return (
        f"{name} AS (INSERT INTO {table} ({cols}) "
        f"SELECT x.* FROM (VALUES {values}) AS x({cols}), u{tail})"
    )
