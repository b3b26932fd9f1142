"""The values that go in and out of the runtime: events, instances, timers, snapshots.

All are frozen, slotted dataclasses. Mappings inside them (event data, the context,
history, timers) are never mutated once built: a step returns new ones, sharing what
did not change (copy on write).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from engine.expr.ops import EMPTY as _EXPR_EMPTY

__all__ = [
    "EMPTY",
    "SNAPSHOT_SLOTS",
    "Event",
    "InstanceInfo",
    "PendingTimer",
    "Snapshot",
    "new_snapshot",
]


#: The shared, immutable, hashable empty mapping (default data, history, timers): the same
#: object the expression layer uses for empty scopes.
EMPTY: Mapping[str, Any] = _EXPR_EMPTY


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened, for one instance.

    ``origin`` is ``external`` (an API caller or an integration), ``internal`` (raised
    by the chart), ``timer`` (a due timer or delayed send), ``task`` (a task outcome),
    ``child`` (sent by a child instance) or ``platform``. ``roles`` is None when roles
    are not checked (a system or an integration); otherwise the roles of the person
    who acts. ``note`` is their audit note (internal); ``client_note`` what the customer
    is told. Both, and ``actor``, are ``_event.actor``/``_event.note``/``_event.client_note``
    to the actions and templates of the step the event starts.
    """

    name: str
    data: Mapping[str, Any] = EMPTY
    origin: str = "external"
    actor: str | None = None
    roles: frozenset[str] | None = None
    note: str | None = None
    client_note: str | None = None


@dataclass(frozen=True, slots=True)
class InstanceInfo:
    """Who the step is for; read by ``notify`` variables and task call ids."""

    id: str
    key: str | None
    chart: str
    version: int
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class PendingTimer:
    """A timer of an ``after`` transition, or a delayed ``send`` to this instance."""

    id: str
    event: str
    due: datetime
    data: Mapping[str, Any] = EMPTY


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The whole state of one instance between two steps.

    ``configuration`` holds every active state id (compound and parallel ancestors
    included, the root ``""`` excluded). ``history`` maps a history state id to the
    state ids it recorded. ``timers`` is the source of truth for pending timers, in the
    order they were scheduled. ``done`` is true once a top-level final state was reached.
    ``calls`` maps the call id of every task call still waiting for its outcome to the
    task's name, oldest first: an outcome (``done.invoke.<task>``, ``error.invoke.<task>``)
    sent from outside is accepted only while a call of its task waits. ``None`` for an
    instance stored before calls were recorded (any outcome is accepted for it).
    """

    configuration: frozenset[str]
    context: Mapping[str, Any]
    history: Mapping[str, tuple[str, ...]] = EMPTY
    timers: Mapping[str, PendingTimer] = EMPTY
    done: bool = False
    calls: Mapping[str, str] | None = EMPTY

    def active(self, state_id: str) -> bool:
        return state_id in self.configuration


_new = object.__new__
#: the setters of Snapshot's slots, in field order (for building one without __init__)
SNAPSHOT_SLOTS: tuple[Callable[[Snapshot, Any], None], ...] = tuple(
    getattr(Snapshot, f.name).__set__ for f in fields(Snapshot)
)
_conf, _ctx, _hist, _timers, _done, _calls = SNAPSHOT_SLOTS


def new_snapshot(
    configuration: frozenset[str],
    context: Mapping[str, Any],
    history: Mapping[str, tuple[str, ...]],
    timers: Mapping[str, PendingTimer],
    done: bool,
    calls: Mapping[str, str] | None,
) -> Snapshot:
    """``Snapshot(configuration, context, history, timers, done, calls)``, in half the time.

    The frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``;
    this sets the slots directly. Same class, same fields, an equal value: for the
    runtime's hot path.
    """
    snapshot = _new(Snapshot)
    _conf(snapshot, configuration)
    _ctx(snapshot, context)
    _hist(snapshot, history)
    _timers(snapshot, timers)
    _done(snapshot, done)
    _calls(snapshot, calls)
    return snapshot
