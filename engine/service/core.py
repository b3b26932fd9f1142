"""The engine's inner loop: step, commit one unit of work, then run the work it leads to.

Effects are performed synchronously, in order, after the step that asked for them was
committed; whatever they lead to (task outcomes, events for other instances, children to
start) is queued and processed as further steps, each its own unit of work. A refused
follow-up event is logged and dropped (a finished child may rightly refuse its parent's
event); any other failure is collected and reported to the caller.
"""

from __future__ import annotations

import logging
import os
import socket
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from engine.errors import StatewiseError
from engine.limits import DEFAULT_LIMITS, LimitExceeded, Limits, measure
from engine.runtime import Clock, ContextError, Event, EventRefused, InstanceInfo, MacroStep
from engine.runtime.outputs import context_changes
from engine.service.commit import EMPTY, SYSTEM, AuditInfo, roles_of, unit_of_work
from engine.service.effects import (
    Delivery,
    EffectRunner,
    SpawnOrder,
    StartOrder,
    Work,
    spawn_done,
)
from engine.service.registry import ChartRegistry, LoadedChart
from engine.store.ports import ConcurrentUpdate, InstanceStore, save_unit
from engine.store.records import (
    ACTIVE,
    DONE,
    NO_CHANGES,
    AuditRecord,
    Changes,
    DueTimer,
    InstanceRecord,
    OutboxItem,
)

__all__ = ["Core", "StepListener", "check_audit_text"]

log = logging.getLogger("statewise.engine")

_new = tuple.__new__

#: how many follow-up items one call may process before it stops (a ping-pong guard)
MAX_CASCADE = 10_000
#: tries of a step that lost an optimistic-lock race before giving up
RACE_TRIES = 3
#: how old a pending outbox item must be before retry_effects takes it (as a worker's grace)
RETRY_GRACE = timedelta(seconds=30)
#: how long retry_effects holds the items it claimed
RETRY_LEASE = timedelta(minutes=5)


def _retry_owner() -> str:
    return f"retry_effects@{socket.gethostname()}:{os.getpid()}"


def check_audit_text(*texts: str | None, limit: int) -> None:
    """Actors and notes are audited as given: each at most ``limit`` characters."""
    for text in texts:
        if text is not None and len(text) > limit:
            raise LimitExceeded(
                f"an actor or note of {len(text):,} characters; the limit is {limit:,}"
            )


class StepListener(Protocol):
    """Called after every committed step (coverage, metrics, tracing)."""

    def __call__(self, instance: InstanceInfo, step: MacroStep) -> None: ...


class Core:
    def __init__(
        self,
        store: InstanceStore,
        clock: Clock,
        registry: ChartRegistry,
        runner: EffectRunner,
        listeners: Sequence[StepListener] = (),
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.store = store
        self.limits = limits
        self.clock = clock
        self._now = clock.now
        self.registry = registry
        self.runner = runner
        self.listeners = tuple(listeners)
        self.audit = bool(getattr(store, "keeps_audit", True))
        #: record what replay needs too (the start context, context changes, effects)
        self.details = self.audit and bool(getattr(store, "keeps_step_details", False))
        #: committed work not yet performed, drained by the call that filled it
        self.queue: deque[Work] = deque()
        #: the follow-ups of the step being processed; they go to the front of the queue
        self.batch: list[Work] = []

    def create(
        self,
        loaded: LoadedChart,
        context: Mapping[str, Any],
        key: str | None,
        *,
        parent: str | None = None,
        spawn: str | None = None,
    ) -> InstanceRecord:
        self.registry.check_references(loaded)
        problem = measure(context, self.limits)
        if problem is not None:
            raise ContextError([f"the context is too large: {problem}"])
        chart = loaded.chart
        now = self.clock.now()
        iid = self.store.new_id()
        instance = InstanceInfo(iid, key, chart.id, chart.version, parent)
        step = loaded.interpreter.start(context, now, instance=instance)
        given = None
        if self.details:  # the start context as given (coerced), for replay
            coerced = step.before.context
            given = {k: coerced[k] for k in context if k in coerced}
        changes = unit_of_work(
            iid, 1, step, now, loaded.leaves, AuditInfo("start"), self.audit, self.details, given
        )
        status = DONE if step.after.done else ACTIVE
        record = InstanceRecord(instance, step.after, status, 1, now, now, spawn)
        record = self.store.create(record, changes)
        self.batch.extend(changes.outbox)
        self._notify(instance, step)
        return record

    def apply(
        self,
        record: InstanceRecord,
        loaded: LoadedChart,
        event: Event,
        who: AuditInfo,
        now: datetime | None = None,
    ) -> InstanceRecord:
        """One step of ``record`` on ``event``, committed. Runtime errors propagate unchanged."""
        if who is not SYSTEM:
            check_audit_text(who.actor, who.note, who.client_note, limit=self.limits.note)
        when = self._now() if now is None else now
        instance = record.info
        step = loaded.interpreter.step(record.snapshot, event, when, instance=instance)
        after = step.after
        if not step.microsteps and not step.effects:  # ignored on purpose
            return record  # nothing to save
        iid, version = instance.id, record.row_version
        before = step.before
        if step.effects or before.timers is not after.timers or not self.audit:
            changes = unit_of_work(
                iid, version + 1, step, when, loaded.leaves, who, self.audit, self.details
            )
        else:  # the usual step: the unit of work is its audit line (unit_of_work, inlined)
            leaves, ev = loaded.leaves, step.event
            details = self.details
            line: tuple[Any, ...] = (
                iid,
                version + 1,
                None if ev is None else ev.name,
                EMPTY if ev is None else ev.data,
                () if who.kind == "start" else leaves(before.configuration),
                leaves(after.configuration),
                who.actor,
                who.note,
                who.client_note,
                when,
                who.kind,
                event.origin,
                None if event.roles is None else roles_of(event),
                context_changes(before.context, after.context) if details else None,
                [] if details else None,
            )
            changes = _new(Changes, ((_new(AuditRecord, line),), (), ()))
        status = DONE if after.done else ACTIVE
        new = self.store.save(
            iid, after, status=status, expected_version=version, time=when, changes=changes
        )
        if (changes is not NO_CHANGES and changes.outbox) or status is DONE or self.listeners:
            self.committed(record, new, changes, step)
        return new

    def committed(
        self, record: InstanceRecord, new: InstanceRecord, changes: Changes, step: MacroStep
    ) -> None:
        """What follows the commit of ``step`` (``record`` before it, ``new`` after): its
        outbox items and a parent's ``done.spawn`` are queued, listeners are told."""
        if changes is not NO_CHANGES and changes.outbox:
            self.batch.extend(changes.outbox)
        if new.status is DONE and record.status is not DONE and record.spawn is not None:
            done = spawn_done(self.store, new)
            if done is not None:
                self.batch.append(done)
        if self.listeners:
            self._notify(record.info, step)

    def note(
        self, record: InstanceRecord, loaded: LoadedChart, text: str, actor: str | None
    ) -> None:
        """An audit note as its own unit of work; the snapshot stays as it is."""
        check_audit_text(actor, text, limit=self.limits.note)
        now = self.clock.now()
        here = loaded.leaves(record.snapshot.configuration)
        version = record.row_version
        line = AuditRecord(
            record.id, version + 1, None, EMPTY, here, here, actor, text, None, now, "note"
        )
        self.store.save(
            record.id,
            record.snapshot,
            status=record.status,
            expected_version=version,
            time=now,
            changes=Changes(audit=(line,)),
        )

    def _notify(self, instance: InstanceInfo, step: MacroStep) -> None:
        for listener in self.listeners:
            listener(instance, step)

    # -- timers -----------------------------------------------------------------------
    def fire(self, due: DueTimer) -> bool:
        """Fire one due timer as its own unit of work; False when it no longer applies."""
        record = self.store.load(due.instance_id)
        loaded = self.registry.get(record.chart, record.version)
        from engine.service.planning import plan_fire  # it builds on this module

        step, unit = plan_fire(self, record, loaded, due)
        new = save_unit(self.store, unit)
        if step is None:
            return False
        self.committed(record, new, unit.changes, step)
        return True

    def fire_due(self, when: datetime) -> tuple[int, list[Exception], str | None]:
        """Fire every timer due at ``when`` (``Engine.tick``): how many fired, the failures,
        and the first instance that failed (None when nothing failed).

        A timer whose step fails stays due (the next call tries again); the others still fire.
        """
        fired = 0
        failures: list[Exception] = []
        failed_at: str | None = None
        stuck: set[tuple[str, str]] = set()
        while True:
            due = [d for d in self.store.due(when, 100 + len(stuck)) if d[:2] not in stuck]
            if not due:
                break
            for entry in due:
                try:
                    fired += self.fire(entry)
                except StatewiseError as exc:  # the step failed: nothing was saved
                    stuck.add(entry[:2])
                    failures.append(exc)
                    failed_at = failed_at or entry.instance_id
                if errors := self.drain():
                    failures += errors
                    failed_at = failed_at or entry.instance_id
        return fired, failures, failed_at

    # -- retrying effects -------------------------------------------------------------
    def claim_for_retry(self, limit: int) -> tuple[OutboxItem, ...]:
        """The outbox items ``Engine.retry_effects`` may perform now.

        A store shared by several processes (the SQL store) leases them, exactly as a
        worker claims: failed items whose next attempt has come, and pending items older
        than :data:`RETRY_GRACE` (a younger one may be being performed by the process that
        committed it). An item a worker holds is never taken, and one taken here is not
        claimable by a worker until its lease ends, so nothing is performed twice. A store
        private to this process (``MemoryStore``) has nobody to race with.
        """
        claim = getattr(self.store, "claim_retry", None)
        if claim is None:
            return self.store.pending_outbox(limit)
        now = self.clock.now()
        found: tuple[OutboxItem, ...] = claim(
            now, now - RETRY_GRACE, limit, _retry_owner(), RETRY_LEASE
        )
        return found

    # -- the work queue ---------------------------------------------------------------
    @property
    def pending(self) -> bool:
        return bool(self.batch or self.queue)

    def drain(self) -> list[Exception]:
        """Process queued work until none is left; return the failures.

        Depth first: what one piece of work leads to is done before the work queued
        after it, so the effects of a step keep their causal order (a child's event to
        its parent arrives before the parent hears that all children are done).
        """
        queue = self.queue
        batch = self.batch
        queue.extendleft(reversed(batch))
        batch.clear()
        failures: list[Exception] = []
        budget = MAX_CASCADE
        while queue:
            budget -= 1
            if budget < 0:
                failures.append(
                    StatewiseError(f"more than {MAX_CASCADE} follow-up steps in one call; stopped")
                )
                queue.clear()
                batch.clear()
                break
            work = queue.popleft()
            try:
                if isinstance(work, OutboxItem):
                    self._perform(work)
                elif isinstance(work, Delivery):
                    self._deliver(work)
                elif isinstance(work, StartOrder):
                    self._start_new(work)
                else:
                    self._spawn(work)
            except StatewiseError as exc:
                log.warning("effect failed: %s", exc)
                failures.append(exc)
            if batch:
                queue.extendleft(reversed(batch))
                batch.clear()
        return failures

    def _perform(self, item: OutboxItem) -> None:
        record = self.store.load(item.instance_id)
        loaded = self.registry.get(record.chart, record.version)
        try:
            follow = self.runner.perform(item, record, loaded.chart)
        except StatewiseError as exc:
            self.store.outbox_failed(item.id, str(exc))
            raise
        rest = self.apply_outcomes(follow)
        self.store.outbox_done(item.id)
        self.batch.extend(rest)

    def apply_outcomes(self, follow: list[Work]) -> list[Work]:
        """Apply a task's outcome before its call is marked done; return the other work.

        A crash in between then performs the call again (same idempotency key) instead of
        losing the outcome; a repeated outcome meets an instance that has moved on.
        """
        rest: list[Work] = []
        for work in follow:
            if isinstance(work, Delivery) and work.event.origin == "task":
                self._deliver(work)
            else:
                rest.append(work)
        return rest

    def _deliver(self, delivery: Delivery) -> None:
        """An event to an instance (a task's outcome, a child's event or end), on the fresh
        instance: one that another writer saved meanwhile is reloaded and tried again."""
        for attempt in range(RACE_TRIES):
            record = self.store.load(delivery.instance_id)
            loaded = self.registry.get(record.chart, record.version)
            try:
                self.apply(record, loaded, delivery.event, SYSTEM)
                return
            except EventRefused as exc:
                log.warning("%s refused %s: %s", record.id, delivery.event.name, exc)
                return
            except ConcurrentUpdate:
                self.batch.clear()
                if attempt == RACE_TRIES - 1:
                    raise

    def _start_new(self, order: StartOrder) -> None:
        """A ``start`` action: a new top-level instance of the latest version of the chart."""
        loaded = self.registry.latest(order.effect.chart)
        self.create(loaded, order.effect.context, order.effect.key, parent=None, spawn=None)

    def _spawn(self, order: SpawnOrder) -> None:
        loaded = self.registry.latest(order.effect.chart)
        children = [
            self.create(loaded, spec.context, spec.key, parent=order.parent, spawn=order.tag)
            for spec in order.effect.children
        ]
        if all(c.status == DONE for c in children):  # also when there were none
            event = Event(
                f"done.spawn.{order.effect.spawn_id}", {"count": len(children)}, origin="platform"
            )
            self.batch.append(Delivery(order.parent, event))
