"""Performing committed effects: notifications, tasks, spawns and events for other instances.

Each outbox item is performed after its step was committed. What it leads to (a task's
outcome, an event for the parent, children to start) comes back as new work for the
engine's queue, never as a nested call, so a long cascade cannot exhaust the stack.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.errors import StatewiseError
from engine.notify.dispatcher import Dispatcher
from engine.runtime import (
    Event,
    EventForInstance,
    NotifyRequested,
    SpawnRequested,
    StartRequested,
    TaskRequested,
)
from engine.store.ports import InstanceStore
from engine.store.records import DONE, InstanceRecord, OutboxItem

if TYPE_CHECKING:
    from engine.model import Chart
    from engine.service.instance import Instance
    from engine.service.registry import TaskHandler

__all__ = [
    "Delivery",
    "EffectFailed",
    "EffectRunner",
    "SpawnOrder",
    "Work",
    "spawn_done",
]

log = logging.getLogger("statewise.engine")


class EffectFailed(StatewiseError):
    """Work that followed a committed step failed; the step itself stays committed.

    ``instance`` is the instance as it is now; ``errors`` the failures, in order: effects
    (their outbox items stay pending in the store), follow-up steps, or, from ``tick``,
    timer steps that failed (those timers stay due).
    """

    def __init__(self, instance: Instance, errors: list[Exception]) -> None:
        self.instance = instance
        self.errors = tuple(errors)
        lines = "; ".join(str(e) for e in errors)
        super().__init__(f"instance {instance.id}: {len(errors)} effect(s) failed: {lines}")


@dataclass(frozen=True, slots=True)
class Delivery:
    """An event to process as a new step of an instance."""

    instance_id: str
    event: Event


@dataclass(frozen=True, slots=True)
class SpawnOrder:
    """Children to start for a parent's ``spawn`` action; ``tag`` groups them."""

    parent: str
    tag: str
    effect: SpawnRequested


@dataclass(frozen=True, slots=True)
class StartOrder:
    """A new, independent instance to start for a ``start`` action of ``origin``."""

    origin: str
    effect: StartRequested


Work = OutboxItem | Delivery | SpawnOrder | StartOrder


def spawn_done(store: InstanceStore, child: InstanceRecord) -> Delivery | None:
    """``done.spawn.<id>`` for the parent when ``child`` was the last of its spawn to finish."""
    if child.parent is None or child.spawn is None:
        return None
    siblings = [c for c in store.children(child.parent) if c.spawn == child.spawn]
    if any(c.status != DONE for c in siblings):
        return None
    spawn_id = child.spawn.rsplit("@", 1)[0]
    event = Event(f"done.spawn.{spawn_id}", {"count": len(siblings)}, origin="platform")
    return Delivery(child.parent, event)


class EffectRunner:
    """Performs one outbox item and returns the work it leads to."""

    def __init__(
        self,
        store: InstanceStore,
        dispatcher: Dispatcher,
        tasks: Mapping[str, TaskHandler],
    ) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.tasks = tasks

    def perform(self, item: OutboxItem, record: InstanceRecord, chart: Chart) -> list[Work]:
        effect = item.effect
        if isinstance(effect, NotifyRequested):
            self.dispatcher.dispatch(effect, chart, record.info, idempotency_key=item.id)
            return []
        if isinstance(effect, TaskRequested):
            return self._task(effect, record, item.id)
        if isinstance(effect, SpawnRequested):
            return [SpawnOrder(record.id, f"{effect.spawn_id}@{item.seq}", effect)]
        if isinstance(effect, StartRequested):
            return [StartOrder(record.id, effect)]
        if isinstance(effect, EventForInstance):
            return self._route(effect, record)
        raise StatewiseError(f"unknown effect {type(effect).__name__}")  # pragma: no cover

    def _task(self, effect: TaskRequested, record: InstanceRecord, key: str) -> list[Work]:
        handler = self.tasks.get(effect.task)
        if handler is None:  # the registry checks this; a handler removed later lands here
            raise StatewiseError(f"no handler for task {effect.task!r}")
        try:
            result = handler(effect.input, idempotency_key=key, instance=record.info)
        except Exception as exc:  # the task failed: that is an outcome, not our error
            log.info("task %s of %s failed: %s", effect.task, record.id, exc)
            data = {"message": str(exc) or type(exc).__name__}
            return [Delivery(record.id, Event(f"error.invoke.{effect.task}", data, origin="task"))]
        if result is None:  # the outcome will be sent later
            return []
        event = Event(f"done.invoke.{effect.task}", dict(result), origin="task")
        return [Delivery(record.id, event)]

    def _route(self, effect: EventForInstance, record: InstanceRecord) -> list[Work]:
        if effect.target == "parent":
            if record.parent is None:
                log.warning("%s sends %s to its parent, but has none", record.id, effect.event.name)
                return []
            return [Delivery(record.parent, effect.event)]
        if effect.target == "children":
            return [Delivery(c.id, effect.event) for c in self.store.children(record.id)]
        if effect.chart is None or effect.key is None:
            raise StatewiseError(
                f"event {effect.event.name!r} for a related instance names no chart/key"
            )
        found = self.store.find(effect.chart, effect.key)
        if found is None:
            log.warning(
                "%s sends %s to %s %r, which does not exist",
                record.id,
                effect.event.name,
                effect.chart,
                effect.key,
            )
            return []
        return [Delivery(found.id, effect.event)]
