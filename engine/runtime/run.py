"""The working state of one macrostep: what actions read and write while it runs.

A :class:`Run` starts from a snapshot and collects the new context, the internal event
queue, timers, history and effects. Nothing in the input snapshot is mutated: mappings
are copied the first time they change (copy on write). If anything raises, the run is
simply dropped.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime
from time import monotonic
from typing import TYPE_CHECKING, Any

from engine.errors import EvaluationError
from engine.expr import Scope
from engine.runtime.effects import CancelTimer, Effect, LogEntry, ScheduleTimer, TaskRequested
from engine.runtime.steps import MicroStep
from engine.runtime.values import EMPTY, Event, InstanceInfo, PendingTimer, Snapshot, new_snapshot

if TYPE_CHECKING:
    from engine.runtime.tables import Tables, TransitionInfo

__all__ = ["MAX_PENDING_CALLS", "Run", "Where", "step_digest"]

#: task calls an instance remembers as waiting for their outcome (the oldest are dropped)
MAX_PENDING_CALLS = 100


def step_digest(before: Snapshot, event: Event | None, now: datetime) -> str:
    """A short, stable digest of what a step starts from."""
    what = (
        now.isoformat(),
        None if event is None else (event.name, sorted(event.data.items(), key=str)),
        sorted(before.configuration),
        sorted(before.context.items(), key=str),
    )
    return hashlib.blake2b(repr(what).encode(), digest_size=6).hexdigest()


class Where:
    """``In('ref')`` against a configuration that changes while a microstep runs.

    The run's :class:`Scope` holds this object, not a method of the run: no reference
    cycle, so a run is freed as soon as its step returns (the garbage collector never
    has to find it).
    """

    __slots__ = ("config", "refs")

    def __init__(self, refs: Mapping[str, str], config: frozenset[str]) -> None:
        self.refs = refs
        self.config = config

    def __call__(self, ref: str) -> bool:
        return self.refs.get(ref, ref) in self.config


def event_scope(
    context: Mapping[str, Any], event: Event, now: datetime, in_state: Callable[[str], bool]
) -> Scope:
    """The scope of a step on ``event``: its data, name, actor and notes."""
    return Scope(
        context, event.data, now, in_state, EMPTY, event.name,
        event.actor, event.note, event.client_note,
    )  # fmt: skip


class Run:
    """Mutable, private to one call of ``start``/``step``; never escapes it."""

    __slots__ = (
        "_history_own",
        "_timers_own",
        "before",
        "calls",
        "digest",
        "effects",
        "event",
        "history",
        "instance",
        "internal",
        "microsteps",
        "now",
        "refs",
        "running",
        "scheduled",
        "scope",
        "started",
        "tables",
        "tasks",
        "timers",
        "to_invoke",
        "trigger",
        "where",
    )

    def __init__(
        self,
        tables: Tables,
        before: Snapshot,
        config: frozenset[str],
        event: Event | None,
        now: datetime,
        instance: InstanceInfo,
    ) -> None:
        self.tables = tables
        self.refs = tables.refs
        self.before = before
        self.where = where = Where(tables.refs, config)
        self.event = event
        self.trigger = event  # the event that started this macrostep (None: the start)
        self.now = now
        self.instance = instance
        if event is None:
            self.scope = Scope(before.context, EMPTY, now, where)
        else:
            self.scope = event_scope(before.context, event, now, where)
        self.internal: deque[Event] = deque()  # SCXML internalQueue
        self.effects: list[Effect] = []
        self.microsteps: list[MicroStep] = []
        self.timers: Mapping[str, PendingTimer] = before.timers
        self.history: Mapping[str, tuple[str, ...]] = before.history
        self._timers_own = False
        self._history_own = False
        self.scheduled: set[str] = set()  # timer ids scheduled by this run
        self.to_invoke: list[str] = []  # SCXML statesToInvoke
        self.tasks = 0  # task requests so far (call ids)
        self.calls: Mapping[str, str] | None = before.calls  # call id -> task, still waiting
        self.digest: str | None = None
        self.running = True
        self.started = monotonic()

    # -- read by expressions ----------------------------------------------------------
    @property
    def config(self) -> frozenset[str]:
        """The configuration as it is right now (what ``In()`` sees)."""
        return self.where.config

    @config.setter
    def config(self, value: frozenset[str]) -> None:
        self.where.config = value

    def in_state(self, ref: str) -> bool:
        """``In('ref')``: the state is in the configuration as it is right now."""
        return self.where(ref)

    def scope_event(self, event: Event) -> None:
        """The scope now sees ``event`` (an internal one, processed in this macrostep)."""
        scope = self.scope
        scope.event, scope.event_name = event.data, event.name
        scope.actor, scope.note, scope.client_note = event.actor, event.note, event.client_note

    def guard_error(self, t: TransitionInfo, exc: EvaluationError) -> None:
        """SCXML treats a guard that cannot be evaluated as false; the trail says so."""
        self.effects.append(LogEntry(f"guard of {t.transition.describe()} treated as false: {exc}"))

    # -- timers ------------------------------------------------------------------------
    def _own_timers(self) -> dict[str, PendingTimer]:
        if not self._timers_own:
            self.timers = dict(self.timers)
            self._timers_own = True
        return self.timers  # type: ignore[return-value]

    def schedule(self, timer: PendingTimer) -> None:
        """Add (or replace) a pending timer and tell the store."""
        timers = self._own_timers()
        if timer.id in timers:
            self.cancel(timer.id)
        timers[timer.id] = timer
        self.scheduled.add(timer.id)
        self.effects.append(ScheduleTimer(timer))

    def cancel(self, timer_id: str) -> None:
        """Remove a pending timer. One scheduled by this run leaves no trace in the effects."""
        if timer_id not in self.timers:
            return
        del self._own_timers()[timer_id]
        if timer_id in self.scheduled:
            self.scheduled.discard(timer_id)
            self.effects = [
                e
                for e in self.effects
                if not (isinstance(e, ScheduleTimer) and e.timer.id == timer_id)
            ]
        else:
            self.effects.append(CancelTimer(timer_id))

    def consume_timer(self, event: str) -> None:
        """A timer delivered ``event``: drop the earliest due pending timer of that name."""
        fired: PendingTimer | None = None
        for timer in self.timers.values():
            if timer.event == event and (fired is None or timer.due < fired.due):
                fired = timer
        if fired is not None:
            self.cancel(fired.id)

    def cancel_all(self) -> None:
        for timer_id in list(self.timers):
            self.cancel(timer_id)

    def free_timer_id(self, base: str) -> str:
        """A timer id not pending now, derived from ``base`` (anonymous delayed sends)."""
        n = 1
        candidate = base
        while candidate in self.timers:
            n += 1
            candidate = f"{base}.{n}"
        return candidate

    # -- history -----------------------------------------------------------------------
    def record_history(self, records: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        for hid, kept in records:
            if self.history.get(hid) != kept:
                if not self._history_own:
                    self.history = dict(self.history)
                    self._history_own = True
                self.history[hid] = kept  # type: ignore[index]

    # -- tasks -------------------------------------------------------------------------
    def request_task(self, task: str, input: Mapping[str, Any]) -> None:
        """A task request; its call id is the idempotency key of the request.

        ``<instance id>:<task>:<step digest>.<n>``: the digest covers the step's input
        (time, event, configuration and context before the step) and ``n`` counts the
        requests of the step, so retrying the same step yields the same ids while any two
        different steps of an instance yield different ones.
        """
        self.tasks += 1
        if self.digest is None:
            self.digest = step_digest(self.before, self.trigger, self.now)
        call_id = f"{self.instance.id}:{task}:{self.digest}.{self.tasks}"
        self.effects.append(TaskRequested(task, input, call_id))
        if self.calls is not None:
            calls = dict(self.calls)
            calls[call_id] = task
            while len(calls) > MAX_PENDING_CALLS:  # the oldest are answered, or never will be
                del calls[next(iter(calls))]
            self.calls = calls

    def answer_call(self, task: str) -> None:
        """An outcome of ``task`` arrived: its oldest waiting call is answered."""
        calls = self.calls
        if not calls:
            return
        for call_id, name in calls.items():
            if name == task:
                self.calls = {k: v for k, v in calls.items() if k != call_id}
                return

    # -- the result --------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        calls = self.calls if self.running or self.calls is None else EMPTY
        return new_snapshot(
            self.where.config,
            self.scope.context,
            self.history,
            self.timers,
            not self.running,
            calls,
        )
