"""Reading stored instances with their whole audit trails, many at a time (``statewise
replay``): one query for the instance rows of a batch, one for their audit lines; and the
states a chart's stored history names (what a replay's ``--map`` is resolved against).

The ids go in as a fixed number of parameters (unused ones are the empty string, which is
no instance's id), so each statement is compiled once per dialect like every other one.
The instance rows are read first: a step committed in between shows up as audit lines
beyond the row's version, which are left out, so each instance and its trail agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.store.records import AuditRecord, InstanceRecord
from engine.store.sql.codec import loads
from engine.store.sql.statements import INSTANCE_COLUMNS, compile_sql, param
from engine.store.sql.tables import audit, instances

if TYPE_CHECKING:
    from sqlalchemy import Dialect

    from engine.store.sql.driver import Driver
    from engine.store.sql.rows import Rows

__all__ = ["BATCH", "TrailStatements", "Trails"]

#: instances per query
BATCH = 100

IN, AU = instances.c, audit.c


class TrailStatements:
    """The two batch reads, for one dialect."""

    def __init__(self, dialect: Dialect) -> None:
        names = tuple(f"i{n}" for n in range(BATCH))
        ids = [param(n) for n in names]
        self.instances = compile_sql(
            select(*INSTANCE_COLUMNS).where(IN.id.in_(ids)), dialect, names
        )
        self.audit = compile_sql(
            select(
                AU.instance_id,
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
            .where(AU.instance_id.in_(ids))
            .order_by(AU.instance_id, AU.seq, AU.line),
            dialect,
            names,
        )
        self.state_ids = compile_sql(
            select(AU.to_configuration)
            .distinct()
            .select_from(audit.join(instances, AU.instance_id == IN.id))
            .where(IN.chart == param("chart")),
            dialect,
            ("chart",),
        )


class Trails:
    """Instances with their audit trails, in batches (mixed into :class:`SqlStore`)."""

    _db: Driver
    _rows: Rows
    _trail_statements: TrailStatements | None = None

    @property
    def _trail_sql(self) -> TrailStatements:
        sql = self._trail_statements
        if sql is None:
            sql = self._trail_statements = TrailStatements(self._db.engine.dialect)
        return sql

    def state_ids(self, chart: str) -> set[str]:
        """Every leaf state the audit trails of ``chart``'s instances name."""
        out: set[str] = set()
        for (text,) in self._db.all(self._trail_sql.state_ids, (chart,)):
            out.update(loads(text))
        return out

    def with_trails(
        self, instance_ids: Sequence[str]
    ) -> list[tuple[InstanceRecord, tuple[AuditRecord, ...]]]:
        """Each instance of ``instance_ids`` that exists, with its audit trail (oldest
        first), in the order asked for."""
        sql = self._trail_sql
        out: list[tuple[InstanceRecord, tuple[AuditRecord, ...]]] = []
        for start in range(0, len(instance_ids), BATCH):
            chunk = list(instance_ids[start : start + BATCH])
            args = chunk + [""] * (BATCH - len(chunk))
            records = {r.id: r for r in map(self._rows.record, self._db.all(sql.instances, args))}
            lines: dict[str, list[Any]] = {}
            for row in self._db.all(sql.audit, args):
                lines.setdefault(row[0], []).append(row[1:])
            for iid in chunk:
                record = records.get(iid)
                if record is None:
                    continue
                rows = [r for r in lines.get(iid, ()) if r[0] <= record.row_version]
                out.append((record, self._rows.audit_records(iid, rows)))
        return out
