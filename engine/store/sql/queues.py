"""What operators and workers need beyond the InstanceStore port: queue listings, counts,
dead letters, and claiming due timers and outbox items under a lease.

Claims use ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any number of workers
can claim at once and never get the same row; on SQLite a claim is one ``BEGIN IMMEDIATE``
transaction (writers take turns). A claimed row is hidden from other claims (and from
``due``) until its lease runs out; a worker that dies simply lets the lease expire.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from engine.store.records import DueTimer, OutboxItem
from engine.store.sql.codec import decode_effect
from engine.store.sql.driver import Driver
from engine.store.sql.queue_statements import QueueStatements

__all__ = ["InstancePage", "InstanceSummary", "Operations"]


class InstanceSummary(NamedTuple):
    """One line of a queue listing (no snapshot decoded)."""

    id: str
    chart: str
    version: int
    key: str | None
    #: the active leaf states, sorted, joined by ","
    state: str
    status: str
    parent: str | None
    spawn: str | None
    #: when the instance entered ``state``
    state_since: datetime
    time_in_state: timedelta
    created: datetime
    updated: datetime


class InstancePage(NamedTuple):
    """A page of a listing; pass ``next`` as ``after`` for the following page."""

    items: tuple[InstanceSummary, ...]
    next: str | None


class Operations:
    """Queue queries and worker claims of a SQL store (see :class:`SqlStore`)."""

    _db: Driver
    _time: Callable[[datetime], Any]
    _read_time: Callable[[Any], datetime]
    _queue_statements: QueueStatements | None = None

    @property
    def _queue_sql(self) -> QueueStatements:
        """Compiled on first use (a store that only runs instances never needs them)."""
        found = self._queue_statements
        if found is None:
            found = self._queue_statements = QueueStatements(self._db.engine.dialect)
        return found

    # -- queues ---------------------------------------------------------------------------
    def count_by_state(self, chart: str, *, status: str | None = None) -> dict[str, int]:
        """How many instances of ``chart`` are in each state (``status``: active or done)."""
        if status is None:
            rows = self._db.all(self._queue_sql.count_by_state[False], (chart,))
        else:
            rows = self._db.all(self._queue_sql.count_by_state[True], (chart, status))
        return {state: int(count) for state, count in rows}

    def list_instances(
        self,
        chart: str,
        *,
        state: str | None = None,
        tag: str | None = None,
        status: str | None = None,
        after: str | None = None,
        limit: int = 50,
        now: datetime | None = None,
    ) -> InstancePage:
        """A page of the instances of ``chart``, with the time each has spent in its state.

        With ``state`` (the leaf states as :attr:`InstanceSummary.state` shows them): the
        instances in that state, longest waiting first; without: in creation order. ``tag``
        keeps the children of one spawn (``<spawn id>@<parent step>``), ``status`` the
        ``active`` or ``done`` ones. ``after`` is the ``next`` of the previous page.
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        args: list[Any] = [chart]
        args += [v for v in (state, tag, status) if v is not None]
        if after is not None:
            args += self._cursor_values(after, by_state=state is not None)
        args.append(limit + 1)
        sql = self._queue_sql.listing(
            state=state is not None,
            tag=tag is not None,
            status=status is not None,
            after=after is not None,
        )
        rows = self._db.all(sql, args)
        read = self._read_time
        when = datetime.now(UTC) if now is None else now
        items = []
        for _n, iid, ch, version, key, st, stat, parent, spawn, since, created, upd in rows[:limit]:
            since_t = read(since)
            items.append(
                InstanceSummary(
                    iid,
                    ch,
                    version,
                    key,
                    st,
                    stat,
                    parent,
                    spawn,
                    since_t,
                    when - since_t,
                    read(created),
                    read(upd),
                )
            )
        more = None
        if len(rows) > limit:
            last = rows[limit - 1]
            more = self._cursor(last[0], read(last[9]) if state is not None else None)
        return InstancePage(tuple(items), more)

    @staticmethod
    def _cursor(n: int, since: datetime | None) -> str:
        raw = f"n:{n}" if since is None else f"s:{since.isoformat()}|{n}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def _cursor_values(self, cursor: str, *, by_state: bool) -> list[Any]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            kind, _, rest = raw.partition(":")
            if by_state and kind == "s":
                since, _, n = rest.rpartition("|")
                return [self._time(datetime.fromisoformat(since)), int(n)]
            if not by_state and kind == "n":
                return [int(rest)]
        except ValueError:
            pass
        raise ValueError(f"cursor {cursor!r} does not belong to this listing")

    def outbox_backlog(self, cutoff: datetime) -> int:
        """Open outbox items a worker is performing (claimed) or could claim at ``cutoff``
        (what a simulation waits for before it moves its clock on)."""
        return int(self._db.one(self._queue_sql.outbox_backlog, (self._time(cutoff),))[0])

    # -- dead letters -------------------------------------------------------------------
    def dead_letters(self, limit: int = 100) -> tuple[OutboxItem, ...]:
        """Outbox items given up on (``outbox_failed(..., dead=True)``), oldest first."""
        return tuple(map(self._outbox_item, self._db.all(self._queue_sql.dead_letters, (limit,))))

    def requeue(self, item_id: str) -> bool:
        """Make a dead letter pending again; False when there is no such dead letter."""
        db = self._db
        try:
            return bool(db.write(self._queue_sql.requeue, (item_id,), ()))
        except db.Error as exc:
            raise db.failed(exc) from exc

    # -- worker claims ------------------------------------------------------------------
    def claim_due_timers(
        self, now: datetime, limit: int, owner: str, lease: timedelta
    ) -> tuple[DueTimer, ...]:
        """Lease up to ``limit`` due timers to ``owner`` until ``now + lease``, earliest first.

        Firing a timer saves the instance, which removes (or reschedules) its index entry
        and so ends the lease.
        """
        t = self._time(now)
        rows = self._claim(
            self._queue_sql.claim_timers, (owner, self._time(now + lease), t, t, limit)
        )
        read = self._read_time
        found = [DueTimer(iid, tid, read(due)) for iid, tid, due in rows]
        found.sort(key=lambda d: (d.due, d.instance_id, d.timer_id))
        return tuple(found)

    def claim_outbox(
        self, now: datetime, limit: int, owner: str, lease: timedelta
    ) -> tuple[OutboxItem, ...]:
        """Lease up to ``limit`` outbox items that may be tried at ``now`` to ``owner``.

        The lease moves ``next_attempt_at`` to ``now + lease``: if the worker neither marks
        the item done nor failed by then, another worker may claim it again (the idempotency
        key, the item's id, keeps a repeated effect harmless).
        """
        until = self._time(now + lease)
        rows = self._claim(self._queue_sql.claim_outbox, (until, owner, self._time(now), limit))
        rows.sort(key=lambda r: (self._read_time(r[-1]), r[1], r[2], r[3]))
        return tuple(self._outbox_item(r) for r in rows)

    def claim_retry(
        self, now: datetime, settled: datetime, limit: int, owner: str, lease: timedelta
    ) -> tuple[OutboxItem, ...]:
        """Lease outbox items to retry now (``Engine.retry_effects``): failed ones whose
        next attempt has come, and pending ones committed before ``settled`` (a younger
        pending item may be being performed by the process that committed it)."""
        t = self._time(now)
        args = (self._time(now + lease), owner, t, self._time(settled), limit)
        rows = self._claim(self._queue_sql.claim_retry, args)
        rows.sort(key=lambda r: (self._read_time(r[-1]), r[1], r[2], r[3]))
        return tuple(self._outbox_item(r) for r in rows)

    def _claim(self, sql: str, args: Sequence[Any]) -> list[Any]:
        return list(self._db.statement(sql, args, fetch=True))  # one statement: atomic

    def _outbox_item(self, row: Sequence[Any]) -> OutboxItem:
        item_id, instance_id, seq, position, kind, payload, attempts, error = row[:8]
        effect = decode_effect(kind, payload)
        return OutboxItem(item_id, instance_id, seq, position, effect, attempts, error)
