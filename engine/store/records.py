"""The records an :class:`~engine.store.ports.InstanceStore` keeps.

Records are ``NamedTuple`` values: immutable, compact (no per-object ``__dict__``) and cheap
to build, because the engine builds one :class:`InstanceRecord` per committed step. A store
never copies a snapshot: it keeps the immutable runtime value it is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from engine.runtime import Effect, InstanceInfo, Snapshot

__all__ = [
    "ACTIVE",
    "DONE",
    "NO_CHANGES",
    "AuditKind",
    "AuditRecord",
    "Changes",
    "ChartVersionRecord",
    "DueTimer",
    "InstanceRecord",
    "InstanceStatus",
    "OutboxItem",
    "SaveUnit",
    "TimerChange",
]

InstanceStatus = Literal["active", "done"]
#: an instance is running
ACTIVE: InstanceStatus = "active"
#: an instance reached a top-level final state
DONE: InstanceStatus = "done"

#: ``start`` (the instance was created), ``event`` (a step), ``note`` (a person's audit note),
#: ``log`` (a ``log`` action of the chart), ``forced`` (an administrative override)
AuditKind = Literal["event", "note", "start", "forced", "log"]


class InstanceRecord(NamedTuple):
    """One stored instance: its identity (``info``), its snapshot and bookkeeping.

    ``id``, ``chart``, ``version``, ``key`` and ``parent`` read through to ``info``, which
    never changes over an instance's life (the engine hands it to every step as is).
    ``row_version`` grows by one with every save (optimistic lock). ``spawn`` names the
    spawn that created a child (``<spawn id>@<parent step seq>``), so the engine can tell
    when every child of one spawn is done.
    """

    info: InstanceInfo
    snapshot: Snapshot
    status: InstanceStatus
    row_version: int
    created: datetime
    updated: datetime
    spawn: str | None = None

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def chart(self) -> str:
        return self.info.chart

    @property
    def version(self) -> int:
        return self.info.version

    @property
    def key(self) -> str | None:
        return self.info.key

    @property
    def parent(self) -> str | None:
        return self.info.parent


class AuditRecord(NamedTuple):
    """One line of an instance's audit trail.

    ``seq`` is the ``row_version`` the step produced; configurations are the active leaf
    states, in document order. ``origin`` and ``roles`` say how a step's event came in
    (:class:`~engine.runtime.Event`; ``roles`` None: not role-checked). A store that keeps
    step details (``keeps_step_details``, the SQL store) also records, for ``statewise
    replay``: the start context as given (``data`` of the ``start`` line), the context
    fields each step changed (``changes``) and the effects it asked for (``effects``, see
    :mod:`engine.runtime.outputs`); None where they were not recorded.
    """

    instance_id: str
    seq: int
    event: str | None
    data: Mapping[str, Any]
    from_configuration: tuple[str, ...]
    to_configuration: tuple[str, ...]
    actor: str | None
    note: str | None
    client_note: str | None
    time: datetime
    kind: AuditKind
    origin: str | None = None
    roles: tuple[str, ...] | None = None
    changes: Mapping[str, Any] | None = None
    effects: Sequence[Mapping[str, Any]] | None = None


class TimerChange(NamedTuple):
    """Schedule (``due`` set) or cancel (``due`` None) one timer of the saved instance."""

    timer_id: str
    due: datetime | None


class DueTimer(NamedTuple):
    """An entry of the timer index that is due."""

    instance_id: str
    timer_id: str
    due: datetime


class OutboxItem(NamedTuple):
    """An effect to perform after the step that asked for it was committed.

    ``id`` is ``<instance id>:<seq>:<position>`` (``position``: the effect's index in the
    step) and doubles as the idempotency key.
    """

    id: str
    instance_id: str
    seq: int
    position: int
    effect: Effect
    attempts: int = 0
    error: str | None = None


class Changes(NamedTuple):
    """What is saved together with a snapshot, in the same unit of work."""

    audit: tuple[AuditRecord, ...] = ()
    timers: tuple[TimerChange, ...] = ()
    outbox: tuple[OutboxItem, ...] = ()


#: a unit of work that changes nothing besides the snapshot
NO_CHANGES = Changes()


class SaveUnit(NamedTuple):
    """One unit of work of a batch (:meth:`InstanceStore.save_many`): what ``save`` takes.

    ``chart_version`` moves the instance to another version of its chart in the same unit
    (``statewise migrate``); None keeps it.
    """

    instance_id: str
    snapshot: Snapshot
    status: InstanceStatus
    expected_version: int
    time: datetime
    changes: Changes = NO_CHANGES
    chart_version: int | None = None


class ChartVersionRecord(NamedTuple):
    """A registered chart version: its identity (``fingerprint``, the hash of its meaning),
    when it was registered, how many instances run on it (``active``) or have finished on
    it (``done``), and its meaning (``engine.model.meaning``; None for versions registered
    by a statewise before meanings were kept)."""

    chart: str
    version: int
    fingerprint: str | None
    created: datetime
    active: int
    done: int
    meaning: Mapping[str, Any] | None
    #: whether the version's files are kept (so instances can run without the files)
    has_bundle: bool
