"""How the demo's people and systems act on the engine, and what they noticed.

In-process (``--workers 0``) an action is ``Engine.start``/``send``: its step and every
effect (tasks, e-mails, children) run at once. With worker processes the step is committed
and its effects are left in the outbox (``start_deferred``/``send_deferred``) for the
workers, which also fire the timers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.errors import StatewiseError
from engine.runtime import EventRefused

if TYPE_CHECKING:
    from engine.reference.app import ReferenceSystems
    from engine.service import Engine, Instance
    from engine.store.sql import SqlStore

__all__ = ["Driver"]


@dataclass
class Driver:
    engine: Engine
    systems: ReferenceSystems
    store: SqlStore
    deferred: bool
    #: what happened that is worth a line in the report: refusals, failures
    noted: Counter[str] = field(default_factory=Counter)
    events: int = 0
    started: int = 0
    #: orders the shop admin released for export already
    unblocked: set[str] = field(default_factory=set)
    #: how often an operator retried an order's refund
    retried: Counter[str] = field(default_factory=Counter)

    def start(self, chart: str, context: Mapping[str, Any], key: str) -> Instance | None:
        from engine.service.ops import start_deferred

        try:
            if self.deferred:
                made = start_deferred(self.engine, chart, context, key=key)
            else:
                made = self.engine.start(chart, context, key=key)
        except StatewiseError as exc:
            self.noted[f"{chart}: start failed: {type(exc).__name__}"] += 1
            return None
        self.started += 1
        return made

    def find(self, chart: str, key: str) -> Instance | None:
        return self.engine.find(chart, key)

    def send(
        self,
        chart: str,
        key: str,
        event: str,
        data: Mapping[str, Any] | None = None,
        *,
        actor: str | None = None,
        roles: Iterable[str] | None = None,
        note: str | None = None,
        instance_id: str | None = None,
    ) -> bool:
        """Send an event; False (and a note) when it was refused or the instance is gone."""
        if instance_id is None:
            found = self.find(chart, key)
            if found is None:
                self.noted[f"{chart}: no instance for {event}"] += 1
                return False
            instance_id = found.id
        try:
            self.act(instance_id, event, data, actor=actor, roles=roles, note=note)
        except EventRefused:
            self.noted[f"{chart}: {event} refused"] += 1
            return False
        except StatewiseError as exc:
            self.noted[f"{chart}: {event} failed: {type(exc).__name__}"] += 1
            return False
        return True

    def act(
        self,
        instance_id: str,
        event: str,
        data: Mapping[str, Any] | None,
        *,
        actor: str | None,
        roles: Iterable[str] | None,
        note: str | None,
    ) -> None:
        from engine.service.ops import send_deferred

        self.events += 1
        if self.deferred:
            send_deferred(
                self.engine, instance_id, event, data, actor=actor, note=note, roles=roles
            )
        else:
            self.engine.send(
                instance_id, event, data, actor=actor, note=note, roles=roles, retries=2
            )
