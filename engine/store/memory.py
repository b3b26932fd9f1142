"""An in-memory :class:`~engine.store.ports.InstanceStore`, for tests and embedding.

Compact by design: one record per instance, the runtime's immutable snapshot kept as is
(never copied), and the side tables (business keys, children, timers, audit trail) hold
entries only for the instances that need them. The audit trail can be switched off
(``MemoryStore(audit=False)``) when only the current state matters. Not thread-safe.

The audit trail is kept as numbers (see :mod:`engine.store.memory_trail`):
:meth:`MemoryStore.history` gives back records equal to those saved, with the very same
event data, configuration and actor objects.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from engine.store.memory_trail import Trail
from engine.store.ports import (
    ChartVersionConflict,
    ConcurrentUpdate,
    DuplicateKey,
    InstanceNotFound,
    StoreError,
    check_distinct,
    save_unit,
)
from engine.store.records import (
    ACTIVE,
    DONE,
    NO_CHANGES,
    AuditRecord,
    Changes,
    ChartVersionRecord,
    DueTimer,
    InstanceRecord,
    InstanceStatus,
    OutboxItem,
    SaveUnit,
    TimerChange,
)

if TYPE_CHECKING:
    from engine.runtime import Snapshot

__all__ = ["MemoryStore"]

_new = tuple.__new__


class _Version:
    """A registered chart version (what :meth:`MemoryStore.register_chart` keeps)."""

    __slots__ = ("bundle", "created", "fingerprint", "meaning", "source_hash")

    def __init__(
        self,
        source_hash: str,
        fingerprint: str | None,
        meaning: Mapping[str, Any] | None,
        bundle: Mapping[str, Any] | None,
        created: datetime,
    ) -> None:
        self.source_hash, self.fingerprint = source_hash, fingerprint
        self.meaning, self.bundle, self.created = meaning, bundle, created

    @property
    def identity(self) -> str:
        return self.fingerprint or self.source_hash

    def same_as(self, other: _Version) -> bool:
        """Same meaning; a version registered without a fingerprint compares its bytes."""
        if self.fingerprint and other.fingerprint:
            return self.fingerprint == other.fingerprint
        return self.source_hash == other.source_hash

    def completed_by(self, other: _Version) -> _Version:
        """This version, with what ``other`` knows that it did not (fingerprint, files)."""
        return _Version(
            self.source_hash,
            self.fingerprint or other.fingerprint,
            self.meaning if self.meaning is not None else other.meaning,
            self.bundle if self.bundle is not None else other.bundle,
            self.created,
        )


class MemoryStore:
    """Instances in dictionaries; every call is one atomic unit of work."""

    def __init__(self, *, audit: bool = True, step_details: bool = False) -> None:
        self.keeps_audit = audit
        #: also keep what ``statewise replay`` reads (start contexts, context changes and
        #: effects of every step); lines with details are kept whole, not packed
        self.keeps_step_details = audit and step_details
        self._rows: dict[str, InstanceRecord] = {}
        self._keys: dict[tuple[str, str], str] = {}
        self._children: dict[str, list[str]] = {}
        self._trail = Trail()
        self._add_line = self._trail.add
        #: instance id -> its audit lines, packed (see :class:`~engine.store.memory_trail.Trail`)
        self._audit = self._trail.lines
        self._timers: dict[str, dict[str, datetime]] = {}
        self._heap: list[tuple[datetime, int, str, str]] = []
        self._outbox: dict[str, OutboxItem] = {}
        self._ids = itertools.count(1)
        self._order = itertools.count()
        #: (chart, version) -> the registered definition
        self._charts: dict[tuple[str, int], _Version] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def new_id(self) -> str:
        return f"i{next(self._ids)}"

    def register_chart(
        self,
        chart: str,
        version: int,
        source_hash: str,
        source: str | None = None,
        *,
        fingerprint: str | None = None,
        meaning: Mapping[str, Any] | None = None,
        bundle: Mapping[str, Any] | None = None,
    ) -> None:
        new = _Version(source_hash, fingerprint, meaning, bundle, datetime.now(UTC))
        stored = self._charts.get((chart, version))
        if stored is not None:
            if stored.same_as(new):
                self._charts[(chart, version)] = stored.completed_by(new)
                return
            if any(r.chart == chart and r.version == version for r in self._rows.values()):
                old, given = stored.identity, new.identity
                raise ChartVersionConflict(chart, version, old, given, stored.meaning)
        self._charts[(chart, version)] = new

    def chart_versions(self, chart: str) -> tuple[ChartVersionRecord, ...]:
        counts: dict[tuple[int, str], int] = {}
        for r in self._rows.values():
            if r.chart == chart:
                counts[(r.version, r.status)] = counts.get((r.version, r.status), 0) + 1
        return tuple(
            ChartVersionRecord(
                chart,
                version,
                v.fingerprint,
                v.created,
                counts.get((version, ACTIVE), 0),
                counts.get((version, DONE), 0),
                v.meaning,
                v.bundle is not None,
            )
            for (c, version), v in sorted(self._charts.items())
            if c == chart
        )

    def chart_version_for(self, chart: str, fingerprint: str) -> int | None:
        found = [
            version
            for (c, version), v in self._charts.items()
            if c == chart and v.fingerprint == fingerprint
        ]
        return max(found) if found else None

    def chart_bundle(self, chart: str, version: int) -> Mapping[str, Any] | None:
        stored = self._charts.get((chart, version))
        return None if stored is None else stored.bundle

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
            audit, timers, outbox = changes
            if len(audit) == 1 and self.keeps_audit and not timers and not outbox:
                self._add_line(instance_id, audit[0])  # the usual step: one audit line
            else:
                self._apply(instance_id, changes)
        return new

    def save_many(self, units: Sequence[SaveUnit]) -> list[InstanceRecord | StoreError]:
        check_distinct(units)
        out: list[InstanceRecord | StoreError] = []
        for u in units:
            try:
                if u.chart_version is not None:
                    self._move(u.instance_id, u.chart_version, u.expected_version)
                out.append(save_unit(self, u))
            except StoreError as exc:
                out.append(exc)
        return out

    def _move(self, instance_id: str, chart_version: int, expected: int) -> None:
        """Change an instance's chart version (checked like ``save``, then saved by it)."""
        row = self.load(instance_id)
        if row.row_version != expected:
            raise ConcurrentUpdate(instance_id, expected, row.row_version)
        self._rows[instance_id] = row._replace(info=replace(row.info, version=chart_version))

    def _apply(self, instance_id: str, changes: Changes) -> None:
        audit, timers, outbox = changes
        if self.keeps_audit:
            for line in audit:
                self._add_line(instance_id, line)
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

    def load_many(self, instance_ids: Iterable[str]) -> dict[str, InstanceRecord]:
        rows = self._rows
        return {i: rows[i] for i in instance_ids if i in rows}

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
        return self._trail.records(instance_id)

    # -- outbox -----------------------------------------------------------------------
    def pending_outbox(self, limit: int = 100) -> tuple[OutboxItem, ...]:
        return tuple(itertools.islice(self._outbox.values(), limit))

    def outbox_done(self, item_id: str) -> None:
        self._outbox.pop(item_id, None)

    def outbox_done_many(self, item_ids: Sequence[str]) -> None:
        for item_id in item_ids:
            self._outbox.pop(item_id, None)

    def outbox_failed(self, item_id: str, error: str) -> None:
        item = self._outbox.get(item_id)
        if item is not None:
            self._outbox[item_id] = item._replace(attempts=item.attempts + 1, error=error)
