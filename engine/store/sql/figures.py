"""What to watch in a running deployment, read cheaply: every figure comes from an index
(a range of the timer index, the open part of the outbox index, the first entry of a
partial index), never from a scan of the big tables, so it can be polled every few seconds
with millions of instances stored. Table sizes are the planner's estimates on PostgreSQL
(exact counts on SQLite).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from engine.store.sql.driver import Driver

__all__ = ["CAP", "Figures", "StoreFigures"]

#: counts stop here (a backlog this large needs attention, not an exact figure)
CAP = 100_000

TABLES = (
    "statewise_instances",
    "statewise_audit",
    "statewise_timers",
    "statewise_outbox",
    "statewise_archive",
)


class StoreFigures(NamedTuple):
    """Raw figures at ``now`` (the database's time)."""

    now: datetime
    #: counts are capped at :data:`CAP`
    timers_due: int
    #: of those, how many a worker holds a lease on, by owner
    timer_leases: dict[str, int]
    oldest_due: datetime | None
    #: open outbox items by status (pending, failed, dead)
    outbox: dict[str, int]
    #: the oldest next-attempt time among pending and failed items (due or not)
    oldest_open: datetime | None
    outbox_leases: dict[str, int]
    oldest_done_item: datetime | None
    oldest_finished: datetime | None
    rows: dict[str, int]


class Figures:
    """``figures()`` of a SQL store (see :class:`SqlStore`)."""

    _db: Driver
    _time: Callable[[datetime], Any]
    _read_time: Callable[[Any], datetime]

    def figures(self, now: datetime) -> StoreFigures:
        pg = self._db.name == "postgresql"
        m = "%s" if pg else "?"
        db, t, read = self._db, self._time(now), self._read_time

        def capped(where: str, args: tuple[Any, ...], table: str = "statewise_timers") -> int:
            sql = f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT {CAP}) AS c"
            return int(db.one(sql, args)[0])

        def first(sql: str) -> datetime | None:
            found = db.one(sql, ())[0]
            return None if found is None else read(found)

        oldest_due = first("SELECT min(due) FROM statewise_timers")
        timer_leases = db.all(
            "SELECT lease_owner, count(*) FROM (SELECT lease_owner FROM statewise_timers "
            f"WHERE due <= {m} AND lease_until > {m} LIMIT {CAP}) AS l GROUP BY lease_owner",
            (t, t),
        )
        outbox = {
            status: capped(f"status = '{status}'", (), "statewise_outbox")
            for status in ("pending", "failed", "dead")
        }
        opened = [
            found
            for status in ("pending", "failed")
            if (
                found := first(
                    f"SELECT min(next_attempt_at) FROM statewise_outbox WHERE status = '{status}'"
                )
            )
            is not None
        ]
        outbox_leases = db.all(
            "SELECT lease_owner, count(*) FROM (SELECT lease_owner FROM statewise_outbox "
            f"WHERE status IN ('pending', 'failed') AND next_attempt_at > {m} "
            f"AND lease_owner IS NOT NULL LIMIT {CAP}) AS l GROUP BY lease_owner",
            (t,),
        )
        return StoreFigures(
            now,
            capped(f"due <= {m}", (t,)),
            {owner: int(n) for owner, n in timer_leases},
            oldest_due if oldest_due is not None and oldest_due <= now else None,
            outbox,
            min(opened) if opened else None,
            {owner: int(n) for owner, n in outbox_leases},
            first("SELECT min(created) FROM statewise_outbox WHERE status = 'done'"),
            first("SELECT min(state_since) FROM statewise_instances WHERE status = 'done'"),
            self._row_counts(pg),
        )

    def _row_counts(self, pg: bool) -> dict[str, int]:
        if pg:  # the planner's estimate (ANALYZE/autovacuum keep it current): no scan
            rows = self._db.all(
                "SELECT relname, reltuples::bigint FROM pg_class "
                "WHERE relname = ANY(%s) AND relkind = 'r'",
                (list(TABLES),),
            )
            return {name: max(0, int(n)) for name, n in rows}
        return {t: int(self._db.one(f"SELECT count(*) FROM {t}", ())[0]) for t in TABLES}
