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

__all__ = ["Figures", "StoreFigures"]

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
        due = db.one(f"SELECT count(*), min(due) FROM statewise_timers WHERE due <= {m}", (t,))
        timer_leases = db.all(
            "SELECT lease_owner, count(*) FROM statewise_timers "
            f"WHERE due <= {m} AND lease_until > {m} GROUP BY lease_owner",
            (t, t),
        )
        outbox = db.all(
            "SELECT status, count(*), min(next_attempt_at) FROM statewise_outbox "
            "WHERE status IN ('pending', 'failed', 'dead') GROUP BY status",
            (),
        )
        outbox_leases = db.all(
            "SELECT lease_owner, count(*) FROM statewise_outbox WHERE status IN "
            f"('pending', 'failed') AND next_attempt_at > {m} AND lease_owner IS NOT NULL "
            "GROUP BY lease_owner",
            (t,),
        )
        done_item = db.one("SELECT min(created) FROM statewise_outbox WHERE status = 'done'", ())
        finished = db.one(
            "SELECT min(state_since) FROM statewise_instances WHERE status = 'done'", ()
        )
        opened = [read(r[2]) for r in outbox if r[0] != "dead" and r[2] is not None]
        return StoreFigures(
            now,
            int(due[0]),
            {owner: int(n) for owner, n in timer_leases},
            None if due[1] is None else read(due[1]),
            {status: int(n) for status, n, _ in outbox},
            min(opened) if opened else None,
            {owner: int(n) for owner, n in outbox_leases},
            None if done_item[0] is None else read(done_item[0]),
            None if finished[0] is None else read(finished[0]),
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
