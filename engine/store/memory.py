"""An in-memory :class:`~engine.store.ports.InstanceStore`, for tests and embedding.

Compact by design: one record per instance, the runtime's immutable snapshot kept as is
(never copied), and the side tables (business keys, children, timers, audit trail) hold
entries only for the instances that need them. The audit trail can be switched off
(``MemoryStore(audit=False)``) when only the current state matters. Not thread-safe.
"""

from __future__ import annotations

import heapq
import itertools
from datetime import datetime
from typing import TYPE_CHECKING

from engine.store.ports import ConcurrentUpdate, DuplicateKey, InstanceNotFound
from engine.store.records import (
    NO_CHANGES,
    AuditRecord,
    Changes,
    DueTimer,
    InstanceRecord,
    InstanceStatus,
    OutboxItem,
    TimerChange,
)

if TYPE_CHECKING:
    from engine.runtime import Snapshot

__all__ = ["MemoryStore"]

_new = tuple.__new__


class MemoryStore:
    """Instances in dictionaries; every call is one atomic unit of work."""

    def __init__(self, *, audit: bool = True) -> None:
        self.keeps_audit = audit
        self._rows: dict[str, InstanceRecord] = {}
        self._keys: dict[tuple[str, str], str] = {}
        self._children: dict[str, list[str]] = {}
        self._audit: dict[str, list[AuditRecord]] = {}
        self._timers: dict[str, dict[str, datetime]] = {}
        self._heap: list[tuple[datetime, int, str, str]] = []
        self._outbox: dict[str, OutboxItem] = {}
        self._ids = itertools.count(1)
        self._order = itertools.count()

    def __len__(self) -> int:
        return len(self._rows)

    def new_id(self) -> str:
        return f"i{next(self._ids)}"

    # -- units of work ----------------------------------------------------------------
    def create(self, record: InstanceRecord, changes: Changes) -> InstanceRecord:
        if record.id in self._rows:
            raise ValueError(f"instance id {record.id!r} is already used")
        if record.key is not None:
            existing = self._keys.get((record.chart, record.key))
            if existing is not None:
                raise DuplicateKey(record.chart, record.key, existing)
            self._keys[(record.chart, record.key)] = record.id
        if record.parent is not None:
            self._children.setdefault(record.parent, []).append(record.id)
        self._rows[record.id] = record
        self._apply(record.id, changes)
        return record

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
        row = self._rows.get(instance_id)
        if row is None:
            raise InstanceNotFound(instance_id)
        if row[3] != expected_version:
            raise ConcurrentUpdate(instance_id, expected_version, row[3])
        new: InstanceRecord = _new(
            InstanceRecord, (row[0], snapshot, status, expected_version + 1, row[4], time, row[6])
        )
        self._rows[instance_id] = new
        if changes is not NO_CHANGES:
            self._apply(instance_id, changes)
        return new

    def _apply(self, instance_id: str, changes: Changes) -> None:
        audit, timers, outbox = changes
        if audit and self.keeps_audit:
            self._audit.setdefault(instance_id, []).extend(audit)
        if timers:
            self._change_timers(instance_id, timers)
        for item in outbox:
            self._outbox[item.id] = item

    def _change_timers(self, instance_id: str, changes: tuple[TimerChange, ...]) -> None:
        table = self._timers.get(instance_id)
        if table is None:
            table = self._timers[instance_id] = {}
        for timer_id, due in changes:
            if due is None:
                table.pop(timer_id, None)
            else:
                table[timer_id] = due
                heapq.heappush(self._heap, (due, next(self._order), instance_id, timer_id))
        if not table:
            del self._timers[instance_id]

    # -- queries ----------------------------------------------------------------------
    def load(self, instance_id: str) -> InstanceRecord:
        try:
            return self._rows[instance_id]
        except KeyError:
            raise InstanceNotFound(instance_id) from None

    def find(self, chart: str, key: str) -> InstanceRecord | None:
        found = self._keys.get((chart, key))
        return None if found is None else self._rows[found]

    def children(self, instance_id: str) -> tuple[InstanceRecord, ...]:
        return tuple(self._rows[c] for c in self._children.get(instance_id, ()))

    def due(self, now: datetime, limit: int = 100) -> tuple[DueTimer, ...]:
        heap = self._heap
        found: list[DueTimer] = []
        keep: list[tuple[datetime, int, str, str]] = []
        while heap and heap[0][0] <= now and len(found) < limit:
            entry = heapq.heappop(heap)
            due, _, instance_id, timer_id = entry
            if self._timers.get(instance_id, {}).get(timer_id) != due:
                continue  # cancelled or rescheduled: drop the stale heap entry
            found.append(DueTimer(instance_id, timer_id, due))
            keep.append(entry)
        for entry in keep:  # due() only reads: the entries go when the timer is saved away
            heapq.heappush(heap, entry)
        return tuple(found)

    def timers(self, instance_id: str) -> dict[str, datetime]:
        """The timer index entries of one instance (timer id -> due)."""
        return dict(self._timers.get(instance_id, {}))

    def history(self, instance_id: str) -> tuple[AuditRecord, ...]:
        if instance_id not in self._rows:
            raise InstanceNotFound(instance_id)
        return tuple(self._audit.get(instance_id, ()))

    # -- outbox -----------------------------------------------------------------------
    def pending_outbox(self, limit: int = 100) -> tuple[OutboxItem, ...]:
        return tuple(itertools.islice(self._outbox.values(), limit))

    def outbox_done(self, item_id: str) -> None:
        self._outbox.pop(item_id, None)

    def outbox_failed(self, item_id: str, error: str) -> None:
        item = self._outbox.get(item_id)
        if item is not None:
            self._outbox[item_id] = item._replace(attempts=item.attempts + 1, error=error)
