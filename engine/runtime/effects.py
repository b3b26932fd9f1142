"""Effects: what a step asks the outside world to do. The runtime never does it itself.

The service layer applies them in order, inside the step's unit of work: it indexes
timers, renders notifications, calls task handlers, starts children and delivers
events to other instances.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.runtime.values import Event, PendingTimer

__all__ = [
    "CancelTimer",
    "ChildSpec",
    "Effect",
    "EventForInstance",
    "LogEntry",
    "NotifyRequested",
    "ScheduleTimer",
    "SpawnRequested",
    "StartRequested",
    "TaskRequested",
]


@dataclass(frozen=True, slots=True)
class ScheduleTimer:
    """A timer was added to the snapshot (an ``after`` transition or a delayed send)."""

    timer: PendingTimer


@dataclass(frozen=True, slots=True)
class CancelTimer:
    """A pending timer was removed from the snapshot before it fired."""

    id: str


@dataclass(frozen=True, slots=True)
class NotifyRequested:
    """Render ``template`` with ``variables`` and send it to ``recipients``; ``sender``
    is the e-mail sender's address (None: the transport's own)."""

    template: str
    channel: str
    recipients: tuple[str, ...]
    variables: Mapping[str, Any]
    sender: str | None = None


@dataclass(frozen=True, slots=True)
class TaskRequested:
    """Run an application task; ``call_id`` is its idempotency key."""

    task: str
    input: Mapping[str, Any]
    call_id: str


@dataclass(frozen=True, slots=True)
class ChildSpec:
    key: str | None
    context: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SpawnRequested:
    """Start one instance of ``chart`` per child spec."""

    spawn_id: str
    chart: str
    children: tuple[ChildSpec, ...]


@dataclass(frozen=True, slots=True)
class EventForInstance:
    """Deliver ``event`` to another instance: ``parent``, ``children`` or ``related``."""

    target: str
    event: Event
    chart: str | None = None
    key: str | None = None


@dataclass(frozen=True, slots=True)
class LogEntry:
    """A line for the instance's audit trail."""

    message: str


@dataclass(frozen=True, slots=True)
class StartRequested:
    """Start a new, independent instance of ``chart`` (the ``start`` action)."""

    chart: str
    key: str | None
    context: Mapping[str, Any]


Effect = (
    ScheduleTimer
    | CancelTimer
    | NotifyRequested
    | TaskRequested
    | SpawnRequested
    | StartRequested
    | EventForInstance
    | LogEntry
)
