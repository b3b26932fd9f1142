"""What the engine needs from persistence: the :class:`InstanceStore` port.

One call, one unit of work: :meth:`InstanceStore.create` and :meth:`InstanceStore.save`
store the new snapshot together with its audit records, timer index changes and outbox
items, atomically (a SQL store runs them in one transaction). ``save`` checks the row
version it is given (optimistic locking) and raises :class:`ConcurrentUpdate` when another
writer got there first; nothing is changed then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from engine.errors import StatewiseError
from engine.store.records import (
    AuditRecord,
    Changes,
    ChartVersionRecord,
    DueTimer,
    InstanceRecord,
    InstanceStatus,
    OutboxItem,
    SaveUnit,
)

if TYPE_CHECKING:
    from engine.runtime import Snapshot

__all__ = [
    "ChartVersionConflict",
    "ConcurrentUpdate",
    "DuplicateKey",
    "InstanceNotFound",
    "InstanceStore",
    "StoreError",
    "check_distinct",
    "save_unit",
]


class StoreError(StatewiseError):
    """Root of the errors a store raises."""


class InstanceNotFound(StoreError, LookupError):
    def __init__(self, instance_id: str) -> None:
        self.instance_id = instance_id
        super().__init__(f"no instance with id {instance_id!r}")


class DuplicateKey(StoreError):
    """An instance of the same chart already has this business key."""

    def __init__(self, chart: str, key: str, existing: str) -> None:
        self.chart, self.key, self.existing = chart, key, existing
        super().__init__(f"chart {chart!r} already has an instance with key {key!r} ({existing})")


class ChartVersionConflict(StoreError):
    """A chart version already used by instances was registered with another meaning.

    ``stored_meaning`` is the stored version's meaning (None when it was registered before
    meanings were kept), so callers can say what changed (``engine.model.meaning.changes``).
    """

    def __init__(
        self,
        chart: str,
        version: int,
        stored: str,
        given: str,
        stored_meaning: Mapping[str, Any] | None = None,
    ) -> None:
        self.chart, self.version, self.stored, self.given = chart, version, stored, given
        self.stored_meaning = stored_meaning
        super().__init__(
            f"chart {chart!r} version {version} is used by stored instances with another "
            f"meaning (fingerprint {stored[:12]}, now {given[:12]}); a changed chart needs "
            "a new version: run `statewise deploy --db URL DIR` to register it as one "
            "(running instances stay on theirs), or raise `version:`"
        )


class ConcurrentUpdate(StoreError):
    """The instance changed since it was loaded (optimistic lock); nothing was saved."""

    def __init__(self, instance_id: str, expected: int, actual: int) -> None:
        self.instance_id, self.expected, self.actual = instance_id, expected, actual
        super().__init__(
            f"instance {instance_id!r} was changed concurrently "
            f"(expected row version {expected}, found {actual})"
        )


class InstanceStore(Protocol):
    """Persistence of instances, their audit trail, timer index and outbox."""

    def new_id(self) -> str:
        """A fresh, unused instance id."""
        ...

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
        """Record a chart version's definition. A version is immutable once an instance
        uses it: registering it again with another meaning (``fingerprint``; for versions
        registered without one, the ``source_hash``) raises :class:`ChartVersionConflict`.
        ``bundle`` keeps the version's files, so instances can run without them."""
        ...

    def chart_versions(self, chart: str) -> tuple[ChartVersionRecord, ...]:
        """Every registered version of ``chart``, oldest first, with instance counts."""
        ...

    def chart_version_for(self, chart: str, fingerprint: str) -> int | None:
        """The registered version of ``chart`` with this meaning, if any (the newest)."""
        ...

    def chart_bundle(self, chart: str, version: int) -> Mapping[str, Any] | None:
        """The files kept for a registered version (see ``engine.loader.bundle``)."""
        ...

    def create(self, record: InstanceRecord, changes: Changes) -> InstanceRecord:
        """Insert a new instance (``row_version`` 1) with its unit of work.

        Raises :class:`DuplicateKey` when ``record.key`` is taken for ``record.chart``.
        """
        ...

    def load(self, instance_id: str) -> InstanceRecord:
        """The stored instance; :class:`InstanceNotFound` if there is none."""
        ...

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
        """Replace the snapshot if the row version is still ``expected_version``.

        Stores ``changes`` in the same unit of work and returns the new record
        (``row_version`` = ``expected_version + 1``). Raises :class:`ConcurrentUpdate`.
        """
        ...

    def load_many(self, instance_ids: Iterable[str]) -> dict[str, InstanceRecord]:
        """The stored instances among ``instance_ids``, by id (missing ones are left out)."""
        ...

    def save_many(self, units: Sequence[SaveUnit]) -> list[InstanceRecord | StoreError]:
        """Save several units of work, at most one per instance, each all or nothing.

        Returns, per unit and in order, the new record or the :class:`StoreError` that unit
        alone met (:class:`ConcurrentUpdate`, :class:`InstanceNotFound`, a failed statement):
        one failing unit neither loses nor blocks the others. A failure of the database
        itself (unreachable, gone away) raises instead.
        """
        ...

    def find(self, chart: str, key: str) -> InstanceRecord | None:
        """The instance of ``chart`` with business key ``key``, if any."""
        ...

    def children(self, instance_id: str) -> tuple[InstanceRecord, ...]:
        """The instances whose parent is ``instance_id``, in creation order."""
        ...

    def due(self, now: datetime, limit: int = 100) -> tuple[DueTimer, ...]:
        """Up to ``limit`` timers due at or before ``now``, earliest first (not removed)."""
        ...

    def history(self, instance_id: str) -> tuple[AuditRecord, ...]:
        """The audit trail of an instance, oldest first."""
        ...

    def pending_outbox(self, limit: int = 100) -> tuple[OutboxItem, ...]:
        """Effects committed but not yet performed (or failed), oldest first."""
        ...

    def outbox_done(self, item_id: str) -> None:
        """Mark an outbox item as performed."""
        ...

    def outbox_done_many(self, item_ids: Sequence[str]) -> None:
        """Mark several outbox items as performed (one unit of work)."""
        ...

    def outbox_failed(self, item_id: str, error: str) -> None:
        """Record a failed attempt; the item stays pending."""
        ...


def save_unit(store: InstanceStore, unit: SaveUnit) -> InstanceRecord:
    """``store.save`` of one planned unit of work (a unit that moves the instance to another
    chart version goes through ``save_many``)."""
    return store.save(
        unit.instance_id,
        unit.snapshot,
        status=unit.status,
        expected_version=unit.expected_version,
        time=unit.time,
        changes=unit.changes,
    )


def check_distinct(units: Sequence[SaveUnit]) -> None:
    """A batch saves each instance at most once (its units are applied side by side)."""
    if len({u.instance_id for u in units}) != len(units):
        raise ValueError("a batch of units of work names an instance twice")
