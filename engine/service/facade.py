"""The :class:`Engine` facade (start, send, explain, audit, tick): only wiring. The runtime
computes steps, the store keeps them, :mod:`.core` commits and runs the follow-up work,
:mod:`.effects` performs effects, :mod:`.versions` keeps chart versions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from engine.limits import DEFAULT_LIMITS, Limits
from engine.model import Chart
from engine.notify.dispatcher import Dispatcher
from engine.notify.transports import Transport
from engine.runtime import Clock, Event, Explanation, ManualAction, SystemClock
from engine.service.commit import EMPTY, SYSTEM, AuditInfo, external_event
from engine.service.core import Core, StepListener
from engine.service.effects import EffectFailed, EffectRunner
from engine.service.instance import Instance
from engine.service.registry import ChartRegistry, LoadedChart, TaskHandler
from engine.service.versions import register_version, stored_chart
from engine.store.memory import MemoryStore
from engine.store.ports import ConcurrentUpdate, InstanceStore
from engine.store.records import AuditRecord, InstanceRecord

if TYPE_CHECKING:
    from engine.expr import FunctionRegistry

__all__ = ["Engine"]


class Engine:
    """Runs chart instances on a store. ``tasks`` maps task names to handlers, ``transports``
    channels (``email``, ``sms``) to transports, ``charts`` lists the charts to register up
    front (needed for spawned and related charts), ``limits`` bounds what comes in (event
    data, contexts, notes) and one step's work. Every call that changes an instance saves
    one unit of work; when it fails, nothing is saved."""

    def __init__(
        self,
        store: InstanceStore | None = None,
        clock: Clock | None = None,
        tasks: Mapping[str, TaskHandler] | None = None,
        transports: Mapping[str, Transport] | None = None,
        charts: Iterable[Chart] = (),
        *,
        functions: FunctionRegistry | None = None,
        listeners: Sequence[StepListener] = (),
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.store: InstanceStore = MemoryStore() if store is None else store
        self.clock: Clock = SystemClock() if clock is None else clock
        self.tasks: dict[str, TaskHandler] = dict(tasks or {})
        self.dispatcher = Dispatcher(transports)
        self.limits = limits
        self._registry = ChartRegistry(
            tasks=self.tasks,
            channels=self.dispatcher.channels,
            functions=functions,
            fallback=lambda c, v: stored_chart(self.store, c, v, functions),
            on_new=lambda c: register_version(self.store, self._registry, c),
            limits=limits,
        )
        runner = EffectRunner(self.store, self.dispatcher, self.tasks)
        self._core = Core(self.store, self.clock, self._registry, runner, listeners, limits)
        self._events: dict[str, Event] = {}
        for chart in charts:
            self.register(chart)

    # -- charts -------------------------------------------------------------------------
    def register(self, chart: Chart) -> None:
        """Make a chart available, as the version its meaning has in the store (recorded
        there; immutable once used)."""
        self._registry.resolve(chart)

    @property
    def charts(self) -> tuple[Chart, ...]:
        return tuple(loaded.chart for loaded in self._registry)

    # -- changing instances -------------------------------------------------------------
    def start(
        self,
        chart: Chart | str,
        context: Mapping[str, Any] | None = None,
        *,
        key: str | None = None,
    ) -> Instance:
        """Create an instance and run its first step (a ``ContextError`` if context is wrong)."""
        loaded = self._registry.resolve(chart)
        record = self._core.create(loaded, context or EMPTY, key)
        return self._finish(record, loaded)

    def send(
        self,
        instance_id: str,
        event: str,
        data: Mapping[str, Any] | None = None,
        *,
        actor: str | None = None,
        note: str | None = None,
        client_note: str | None = None,
        roles: Iterable[str] | None = None,
        retries: int = 0,
    ) -> Instance:
        """One event as one step; ``EventRefused`` (with blockers) if nothing takes it.
        On ``ConcurrentUpdate`` nothing is saved; ``retries`` re-runs it on the fresh instance."""
        record = self.store.load(instance_id)
        info = record.info
        registry = self._registry
        loaded = registry.find((info.chart, info.version)) or registry.get(info.chart, info.version)
        if actor is None and note is None and client_note is None:
            who = SYSTEM
            if data is None and roles is None:
                ev = self._events.get(event) or self._plain_event(event)
            else:
                ev = external_event(event, data, roles=roles)
        else:
            who = AuditInfo("event", actor, note, client_note)
            ev = external_event(
                event, data, actor=actor, roles=roles, note=note, client_note=client_note
            )
        core = self._core
        while True:
            try:
                new = core.apply(record, loaded, ev, who)
                break
            except ConcurrentUpdate:
                if retries <= 0:
                    raise
                retries -= 1
                record = self.store.load(instance_id)
        if core.batch or core.queue:  # follow-up work: effects, deliveries, children
            return self._finish(new, loaded)
        return Instance(new, loaded.chart)

    def note(self, instance_id: str, text: str, *, actor: str | None = None) -> None:
        """Add a person's note to the audit trail; the instance itself does not change."""
        record, loaded = self._load(instance_id)
        self._core.note(record, loaded, text, actor)

    def tick(self, now: datetime | None = None) -> int:
        """Fire every timer due at ``now`` (default: the clock), each as its own unit of work.

        A timer's step runs at the timer's due time. Returns how many timers fired. A timer
        whose step fails stays due (the next tick tries again); the others still fire, then
        ``EffectFailed`` reports every failure.
        """
        when = self.clock.now() if now is None else now
        fired, failures, failed_at = self._core.fire_due(when)
        if failed_at is not None:
            raise EffectFailed(self.get(failed_at), failures)
        return fired

    def retry_effects(self, limit: int = 100) -> int:
        """Perform outbox items left pending again (claimed like a worker claims them, see
        ``Core.claim_for_retry``); returns how many ran."""
        items = self._core.claim_for_retry(limit)
        self._core.batch.extend(items)
        failures = self._core.drain()
        if failures:
            raise EffectFailed(self.get(items[0].instance_id), failures)
        return len(items)

    # -- reading ------------------------------------------------------------------------
    def get(self, instance_id: str) -> Instance:
        """The instance as stored now (``InstanceNotFound`` if there is none)."""
        return self._view(self.store.load(instance_id))

    def find(self, chart_id: str, key: str) -> Instance | None:
        """The instance of a chart with a business key, if any."""
        found = self.store.find(chart_id, key)
        return None if found is None else self._view(found)

    def children(self, instance_id: str) -> tuple[Instance, ...]:
        return tuple(self._view(r) for r in self.store.children(instance_id))

    def history(self, instance_id: str) -> tuple[AuditRecord, ...]:
        """The audit trail, oldest first: event, from/to leaf states, actor, notes, time."""
        return self.store.history(instance_id)

    def available_events(
        self,
        instance_id: str,
        *,
        roles: Iterable[str] | None = None,
        include_disabled: bool = False,
    ) -> tuple[ManualAction, ...]:
        """The manual actions a person with ``roles`` can take now (label, event, note rule).

        ``include_disabled`` also lists actions whose guard fails now, with their blockers.
        """
        record, loaded = self._load(instance_id)
        allowed = None if roles is None else frozenset(roles)
        actions = loaded.interpreter.manual_actions(
            record.snapshot, self.clock.now(), instance=record.info, roles=allowed
        )
        return actions if include_disabled else tuple(a for a in actions if a.enabled)

    def explain(
        self,
        instance_id: str,
        event: str,
        data: Mapping[str, Any] | None = None,
        *,
        roles: Iterable[str] | None = None,
        actor: str | None = None,
        note: str | None = None,
    ) -> Explanation:
        """Why ``event`` would (not) be taken now: every candidate transition and guard clause."""
        record, loaded = self._load(instance_id)
        ev = external_event(event, data, actor=actor, roles=roles, note=note)
        return loaded.interpreter.explain(
            record.snapshot, ev, self.clock.now(), instance=record.info
        )

    # -- helpers ------------------------------------------------------------------------
    def _plain_event(self, name: str) -> Event:
        """An event without data, actor or roles; shared (events are immutable)."""
        ev = Event(name)
        if len(self._events) < 4096:
            self._events[name] = ev
        return ev

    def _load(self, instance_id: str) -> tuple[InstanceRecord, LoadedChart]:
        record = self.store.load(instance_id)
        return record, self._registry.get(record.chart, record.version)

    def _view(self, record: InstanceRecord) -> Instance:
        return Instance(record, self._registry.get(record.chart, record.version).chart)

    def _finish(self, record: InstanceRecord, loaded: LoadedChart) -> Instance:
        """Run the work a committed step led to; the view shows the instance afterwards."""
        failures = self._core.drain()
        view = Instance(self.store.load(record.id), loaded.chart)
        if failures:
            raise EffectFailed(view, failures)
        return view
