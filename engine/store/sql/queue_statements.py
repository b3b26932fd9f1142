"""The SQL of queue listings, counts, dead letters and worker claims, compiled once per dialect.

Claims pick their rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (workers never wait for
nor take each other's rows) and lease them in the same statement (``UPDATE ... WHERE key IN
(SELECT ...) RETURNING``). Listings are keyset-paginated on the index they sort by.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Dialect,
    and_,
    func,
    literal_column,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.sql import ClauseElement

from engine.store.sql.statements import (
    OPEN,
    OUTBOX_COLUMNS,
    ZERO,
    compile_sql,
    param,
    timer_free,
)
from engine.store.sql.tables import instances, outbox, timers

__all__ = ["LISTING_COLUMNS", "QueueStatements"]

IN, TI, OB = instances.c, timers.c, outbox.c

#: the columns of a listing line, in this order
LISTING_COLUMNS = (
    IN.n,
    IN.id,
    IN.chart,
    IN.chart_version,
    IN.business_key,
    IN.state,
    IN.status,
    IN.parent,
    IN.spawn,
    IN.state_since,
    IN.created,
    IN.updated,
)


class QueueStatements:
    """What operators and workers run, for one dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        pg = dialect.name == "postgresql"
        sql = self._compile
        picked = (
            select(TI.instance_id, TI.timer_id)
            .where(TI.due <= param("now"), timer_free())
            .order_by(TI.due)
            .limit(param("limit"))
            .offset(ZERO)
        )
        if pg:
            picked = picked.with_for_update(skip_locked=True)
        self.claim_timers = sql(
            update(timers)
            .where(tuple_(TI.instance_id, TI.timer_id).in_(picked.scalar_subquery()))
            .values(lease_owner=param("owner"), lease_until=param("until"))
            .returning(TI.instance_id, TI.timer_id, TI.due),
            "owner",
            "until",
            "now",
            "now2",
            "limit",
        )
        picked_out = (
            select(OB.id)
            .where(OB.status.in_(OPEN), OB.next_attempt_at <= param("now"))
            .order_by(OB.next_attempt_at)
            .limit(param("limit"))
            .offset(ZERO)
        )
        if pg:
            picked_out = picked_out.with_for_update(skip_locked=True)
        self.claim_outbox = sql(
            update(outbox)
            .where(OB.id.in_(picked_out.scalar_subquery()))
            .values(lease_owner=param("owner"), next_attempt_at=param("until"))
            .returning(*OUTBOX_COLUMNS, OB.created),
            "until",
            "owner",
            "now",
            "limit",
        )
        self.outbox_backlog = sql(
            select(func.count())
            .select_from(outbox)
            .where(
                OB.status.in_(OPEN),
                OB.lease_owner.is_not(None) | (OB.next_attempt_at <= param("now")),
            ),
            "now",
        )
        picked_retry = (
            select(OB.id)
            .where(
                or_(
                    and_(
                        OB.status == literal_column("'failed'"), OB.next_attempt_at <= param("now")
                    ),
                    and_(
                        OB.status == literal_column("'pending'"),
                        OB.next_attempt_at <= param("settled"),
                    ),
                )
            )
            .order_by(OB.next_attempt_at)
            .limit(param("limit"))
            .offset(ZERO)
        )
        if pg:
            picked_retry = picked_retry.with_for_update(skip_locked=True)
        self.claim_retry = sql(
            update(outbox)
            .where(OB.id.in_(picked_retry.scalar_subquery()))
            .values(lease_owner=param("owner"), next_attempt_at=param("until"))
            .returning(*OUTBOX_COLUMNS, OB.created),
            "until",
            "owner",
            "now",
            "settled",
            "limit",
        )
        self.dead_letters = sql(
            select(*OUTBOX_COLUMNS)
            .where(OB.status == literal_column("'dead'"))
            .order_by(OB.created, OB.instance_id, OB.seq, OB.position)
            .limit(param("limit"))
            .offset(ZERO),
            "limit",
        )
        self.requeue = sql(
            update(outbox)
            .where(OB.id == param("id"), OB.status == literal_column("'dead'"))
            .values(
                status=literal_column("'pending'"),
                next_attempt_at=OB.created,
                attempts=literal_column("0"),
            ),
            "id",
        )
        self.count_by_state = {
            status: sql(
                select(IN.state, func.count())
                .where(*_chart_status(status))
                .group_by(IN.state)
                .order_by(IN.state),
                *(("chart", "status") if status else ("chart",)),
            )
            for status in (False, True)
        }
        self._listings: dict[tuple[bool, bool, bool, bool], str] = {}

    def _compile(self, stmt: ClauseElement, *order: str) -> str:
        return compile_sql(stmt, self.dialect, order)

    def listing(self, *, state: bool, tag: bool, status: bool, after: bool) -> str:
        """``list_instances``: one compiled variant per combination of filters.

        Parameters, in order: chart, [state], [tag], [status], [after...], limit. With a
        state the order is (state_since, n) (longest waiting first) and ``after`` is two
        values, compared as a row value so the index range starts at the cursor; otherwise
        creation order (n) and ``after`` is one value.
        """
        key = (state, tag, status, after)
        found = self._listings.get(key)
        if found is not None:
            return found
        conds = _chart_status(False)
        order = ["chart"]
        for wanted, column, name in (
            (state, IN.state, "state"),
            (tag, IN.spawn, "tag"),
            (status, IN.status, "status"),
        ):
            if wanted:
                conds.append(column == param(name))
                order.append(name)
        if after and state:
            conds.append(
                tuple_(IN.state_since, IN.n) > tuple_(param("after_since"), param("after_n"))
            )
            order += ["after_since", "after_n"]
        elif after:
            conds.append(IN.n > param("after_n"))
            order.append("after_n")
        order.append("limit")
        sort = (IN.state_since, IN.n) if state else (IN.n,)
        stmt = (
            select(*LISTING_COLUMNS)
            .where(*conds)
            .order_by(*sort)
            .limit(param("limit"))
            .offset(ZERO)
        )
        found = self._listings[key] = compile_sql(stmt, self.dialect, tuple(order))
        return found


def _chart_status(with_status: bool) -> list[ColumnElement[Any]]:
    conds: list[ColumnElement[Any]] = [IN.chart == param("chart")]
    if with_status:
        conds.append(IN.status == param("status"))
    return conds
