"""Every statement of the SQL store, built once from the tables and compiled for one dialect.

The store runs them on the driver's own cursor (``sqlite3``, ``psycopg``) with positional
parameters, so no SQLAlchemy code runs per call: the dialect's SQL text is rendered here,
once, and each statement's parameter order is checked against the order the store passes
its values in (a mismatch fails when the store opens, never silently later).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Dialect,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from engine.store.sql.tables import audit, chart_versions, instances, outbox, timers

__all__ = [
    "INSTANCE_COLUMNS",
    "NULL",
    "OPEN",
    "OUTBOX_COLUMNS",
    "ZERO",
    "Statements",
    "compile_sql",
    "param",
    "timer_free",
]

IN, AU, TI, OB, CV = instances.c, audit.c, timers.c, outbox.c, chart_versions.c

#: the columns a stored instance is read from, in this order
INSTANCE_COLUMNS = (
    IN.id,
    IN.chart,
    IN.chart_version,
    IN.business_key,
    IN.parent,
    IN.spawn,
    IN.configuration,
    IN.context,
    IN.history,
    IN.timers,
    IN.calls,
    IN.done,
    IN.status,
    IN.row_version,
    IN.created,
    IN.updated,
)
OUTBOX_COLUMNS = (
    OB.id,
    OB.instance_id,
    OB.seq,
    OB.position,
    OB.kind,
    OB.payload,
    OB.attempts,
    OB.last_error,
)
OPEN: tuple[ColumnElement[Any], ...] = (
    literal_column("'pending'"),
    literal_column("'failed'"),
)
#: an explicit OFFSET 0, so SQLite's compiler does not add an OFFSET parameter of its own
ZERO: ColumnElement[Any] = literal_column("0")
NULL: ColumnElement[Any] = literal_column("NULL")


def compile_sql(stmt: ClauseElement, dialect: Dialect, order: tuple[str, ...] = ()) -> str:
    """The driver SQL of ``stmt``; its positional parameters must come in ``order``."""
    compiled = stmt.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    found = tuple(compiled.positiontup or ())
    if found != order:
        raise AssertionError(f"parameter order {found} != {order} in {compiled.string}")
    return str(compiled.string)


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def param(name: str) -> Any:
    return bindparam(name)


def timer_free() -> ColumnElement[bool]:
    """A timer index entry no worker holds a lease on (at ``now2``)."""
    return or_(TI.lease_until.is_(None), TI.lease_until <= param("now2"))


def _instance_values() -> dict[str, Any]:
    return {
        "configuration": param("configuration"),
        "state": param("state"),
        "state_since": case((IN.state == param("old_state"), IN.state_since), else_=param("since")),
        "context": param("context"),
        "history": param("history"),
        "timers": param("timers"),
        "calls": param("calls"),
        "done": param("done"),
        "status": param("status"),
        "row_version": param("row_version"),
        "updated": param("updated"),
    }


class Statements:
    """The compiled SQL of one dialect (``sqlite`` or ``postgresql``): the InstanceStore
    port's statements (queue queries and claims are in :mod:`.queue_statements`)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.name = dialect.name
        pg = self.name == "postgresql"
        sql = self._compile
        cols = INSTANCE_COLUMNS
        self.begin = "BEGIN" if pg else "BEGIN IMMEDIATE"
        self.load = sql(select(*cols).where(IN.id == param("id")), "id")
        self.find = sql(
            select(*cols).where(IN.chart == param("chart"), IN.business_key == param("key")),
            "chart",
            "key",
        )
        self.children = sql(
            select(*cols).where(IN.parent == param("parent")).order_by(IN.n), "parent"
        )
        self.version_of = sql(select(IN.row_version).where(IN.id == param("id")), "id")
        self.exists = sql(select(IN.n).where(IN.id == param("id")), "id")
        save_order = (
            "configuration",
            "state",
            "old_state",
            "since",
            "context",
            "history",
            "timers",
            "calls",
            "done",
            "status",
            "row_version",
            "updated",
            "id",
            "expected",
        )
        save = (
            update(instances)
            .where(IN.id == param("id"), IN.row_version == param("expected"))
            .values(**_instance_values())
        )
        self.save = sql(save, *save_order)
        returned = (IN.chart, IN.chart_version, IN.business_key, IN.parent, IN.spawn, IN.created)
        self.save_returning = sql(save.returning(*returned), *save_order)
        #: a save that also moves the instance to another chart version (``migrate``)
        self.save_move = sql(
            save.values(chart_version=param("chart_version")).returning(*returned),
            "chart_version",
            *save_order,
        )
        many = "= ANY(%s)" if pg else "IN (SELECT value FROM json_each(?))"
        self.outbox_done_many = (
            f"UPDATE statewise_outbox SET status = 'done', lease_owner = NULL WHERE id {many}"
        )
        self.now = "SELECT now()"
        self.load_many = (
            f"SELECT {', '.join(c.name for c in cols)} FROM statewise_instances WHERE id " + many
        )
        names = _names(
            "id chart chart_version business_key parent spawn configuration state state_since "
            "context history timers calls done status row_version created updated"
        )
        self.insert_instance = sql(insert(instances).values({n: param(n) for n in names}), *names)
        ensure = (postgresql.insert if pg else sqlite.insert)(chart_versions).values(
            chart=param("chart"),
            version=param("version"),
            source_hash=param("hash"),
            source=param("source"),
            created=param("created"),
        )
        chart_order = ("chart", "version", "hash", "source", "created")
        self.ensure_chart = sql(ensure.on_conflict_do_nothing(), *chart_order)
        audit_names = _names(
            "instance_id seq line kind event data from_configuration to_configuration "
            "actor note client_note time origin roles changes effects"
        )
        self.insert_audit = sql(
            insert(audit).values({n: param(n) for n in audit_names}), *audit_names
        )
        self.history = sql(
            select(
                AU.seq,
                AU.event,
                AU.data,
                AU.from_configuration,
                AU.to_configuration,
                AU.actor,
                AU.note,
                AU.client_note,
                AU.time,
                AU.kind,
                AU.origin,
                AU.roles,
                AU.changes,
                AU.effects,
            )
            .where(AU.instance_id == param("id"))
            .order_by(AU.seq, AU.line),
            "id",
        )
        upsert = (postgresql.insert if pg else sqlite.insert)(timers).values(
            instance_id=param("instance_id"), timer_id=param("timer_id"), due=param("due")
        )
        self.timer_set = sql(
            upsert.on_conflict_do_update(
                index_elements=[TI.instance_id, TI.timer_id],
                set_={"due": upsert.excluded.due, "lease_owner": NULL, "lease_until": NULL},
            ),
            "instance_id",
            "timer_id",
            "due",
        )
        self.timer_cancel = sql(
            delete(timers).where(
                TI.instance_id == param("instance_id"), TI.timer_id == param("timer_id")
            ),
            "instance_id",
            "timer_id",
        )
        self.timers_of = sql(
            select(TI.timer_id, TI.due).where(TI.instance_id == param("id")).order_by(TI.due), "id"
        )
        free = timer_free()
        self.due = sql(
            select(TI.instance_id, TI.timer_id, TI.due)
            .where(TI.due <= param("now"), free)
            .order_by(TI.due, TI.instance_id, TI.timer_id)
            .limit(param("limit"))
            .offset(ZERO),
            "now",
            "now2",
            "limit",
        )
        out_names = _names(
            "id instance_id seq position kind payload status attempts next_attempt_at "
            "last_error lease_owner created"
        )
        self.insert_outbox = sql(
            insert(outbox).values({n: param(n) for n in out_names}), *out_names
        )
        self.pending_outbox = sql(
            select(*OUTBOX_COLUMNS)
            .where(OB.status.in_(OPEN))
            .order_by(OB.created, OB.instance_id, OB.seq, OB.position)
            .limit(param("limit"))
            .offset(ZERO),
            "limit",
        )
        self.outbox_done = sql(
            update(outbox)
            .where(OB.id == param("id"))
            .values(status=literal_column("'done'"), lease_owner=NULL),
            "id",
        )
        self.outbox_failed = sql(
            update(outbox)
            .where(OB.id == param("id"))
            .values(
                status=param("status"),
                attempts=OB.attempts + literal_column("1"),
                last_error=param("error"),
                next_attempt_at=func.coalesce(param("next"), OB.created),
                lease_owner=NULL,
            ),
            "status",
            "next",
            "error",
            "id",
        )

    def _compile(self, stmt: ClauseElement, *order: str) -> str:
        return compile_sql(stmt, self.dialect, order)
