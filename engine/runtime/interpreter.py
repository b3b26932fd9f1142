"""The interpreter: SCXML run-to-completion (``mainEventLoop``), pure.

``step(snapshot, event, now)`` is one *macrostep*: the external event is offered to the
configuration (``selectTransitions``); if it enables a transition set, that set runs as
a *microstep* (exit states, transition actions, enter states); then eventless
transitions and internal events (``raise``, ``done.state.<id>``) run as further
microsteps, eventless ones first, until the configuration is stable or a top-level
final state is reached. Invocations of the states still active start at the end of the
macrostep. The result is a new :class:`Snapshot` plus effects; nothing else changes.

Strict by default: an external event that enables nothing and is not ignored (chart or
active state ``ignore``) raises :class:`EventRefused` with blockers. Internal events that
enable nothing are discarded, as in SCXML.

Speed comes from precomputation, never from skipping semantics: per configuration the
candidate transitions for each event name (:class:`ConfigInfo`), per (configuration,
transition set, relevant history) the microstep :class:`Plan`; configurations are
interned so every instance in a state shares one frozenset.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from engine.errors import EvaluationError
from engine.expr import FunctionRegistry
from engine.expr.types import RecordType
from engine.model import Calendar, Chart, Timer
from engine.runtime.actions import compile_actions, evaluate_data
from engine.runtime.blockers import BAD_EVENT_DATA, Blocker, Explanation, ManualAction
from engine.runtime.calendar import calendar_from_value, due_time, open_days_deadline
from engine.runtime.data import coerce_context, coerce_event_data, event_data_types
from engine.runtime.effects import LogEntry
from engine.runtime.errors import ActionFailed, EventRefused, MicrostepLimitExceeded, RuleBroken
from engine.runtime.explain import done_blocker, explanation, manual_actions
from engine.runtime.plans import Plan, build_initial_plan, build_plan
from engine.runtime.run import Run
from engine.runtime.selection import (
    ConfigInfo,
    remove_conflicting_transitions,
    select_transitions,
)
from engine.runtime.steps import MacroStep, MicroStep
from engine.runtime.tables import StateInfo, Tables, TransitionInfo
from engine.runtime.values import EMPTY, Event, InstanceInfo, PendingTimer, Snapshot

#: A timer whose per-instance calendar is not set: it does not start.
_NO_CALENDAR = object()

__all__ = ["Interpreter"]


class Interpreter:
    """One per chart; precomputes its tables once and caches per configuration."""

    def __init__(
        self,
        chart: Chart,
        *,
        functions: FunctionRegistry | None = None,
        max_microsteps: int = 1000,
    ) -> None:
        self.chart = chart
        #: the registry the chart's expressions were compiled with (kept for callers)
        self.functions = functions
        self.max_microsteps = max_microsteps
        self.tables = Tables(chart, compile_actions)
        self._configs: dict[frozenset[str], frozenset[str]] = {}
        self._infos: dict[frozenset[str], ConfigInfo] = {}
        self._plans: dict[tuple[Any, ...], Plan] = {}
        self._data_types: dict[str, RecordType] = event_data_types(chart)
        self._initial = build_initial_plan(self.tables, self._intern)

    def __repr__(self) -> str:
        return f"Interpreter({self.chart!r})"

    # -- caches -------------------------------------------------------------------------
    def _intern(self, configuration: frozenset[str]) -> frozenset[str]:
        return self._configs.setdefault(configuration, configuration)

    def _info(self, configuration: frozenset[str]) -> ConfigInfo:
        info = self._infos.get(configuration)
        if info is None:
            info = ConfigInfo(self.tables, self._intern(configuration))
            self._infos[info.configuration] = info
        return info

    def _plan(self, run: Run, enabled: list[TransitionInfo]) -> Plan:
        key: tuple[Any, ...] = (run.config, *enabled)
        for t in enabled:
            if t.history_targets:  # the plan depends on what these history states hold
                history = run.history
                key += tuple(history.get(h) for t in enabled for h in t.history_targets)
                break
        plan = self._plans.get(key)
        if plan is None:
            plan = build_plan(self.tables, run.config, tuple(enabled), run.history, self._intern)
            self._plans[key] = plan
        return plan

    # -- the public operations ----------------------------------------------------------
    def start(
        self, context: Mapping[str, Any], now: datetime, *, instance: InstanceInfo
    ) -> MacroStep:
        """A new instance: the context coerced (with defaults), the initial states entered,
        then run to completion. Raises ContextError, ActionFailed, MicrostepLimitExceeded."""
        before = Snapshot(frozenset(), coerce_context(self.chart, context))
        run = Run(self.tables, before, frozenset(), None, now, instance)
        self._execute(run, self._initial, None)
        self._settle(run)
        return self._finish(run, None)

    def step(
        self, snapshot: Snapshot, event: Event, now: datetime, *, instance: InstanceInfo
    ) -> MacroStep:
        """One macrostep for an external event. Raises EventRefused, ActionFailed or
        MicrostepLimitExceeded; the input snapshot is never changed."""
        if snapshot.done:
            raise EventRefused(event, (done_blocker(snapshot, self.tables),))
        record = self._data_types.get(event.name)
        if record is not None:
            event = self._typed(event, record)
        info = self._infos.get(snapshot.configuration)
        if info is None:
            info = self._info(snapshot.configuration)
        run = Run(self.tables, snapshot, info.configuration, event, now, instance)
        if event.origin == "timer" and snapshot.timers:
            run.consume_timer(event.name)
        chains = info.chains(self.tables, event.name)
        enabled = select_transitions(chains, run.scope, event, run.guard_error)
        if len(enabled) > 1:
            enabled = remove_conflicting_transitions(self.tables, info, enabled, run.history)
        if not enabled:
            return self._not_accepted(run, info, event)
        self._execute(run, self._plan(run, enabled), event)
        self._settle(run)
        return self._finish(run, event)

    def explain(
        self, snapshot: Snapshot, event: Event, now: datetime, *, instance: InstanceInfo
    ) -> Explanation:
        """Whether ``event`` would be accepted now, every candidate and its blockers."""
        if snapshot.done:
            return Explanation(event.name, False, False, (), (done_blocker(snapshot, self.tables),))
        record = self._data_types.get(event.name)
        if record is not None:
            try:
                event = self._typed(event, record)
            except EventRefused as refused:
                return Explanation(event.name, False, False, (), refused.blockers)
        info = self._info(snapshot.configuration)
        run = Run(self.tables, snapshot, info.configuration, event, now, instance)
        enabled = select_transitions(info.chains(self.tables, event.name), run.scope, event)
        enabled = remove_conflicting_transitions(self.tables, info, enabled, run.history)
        return explanation(
            self.tables, info.configuration, event, run.scope, enabled, info.ignores(event.name)
        )

    def manual_actions(
        self,
        snapshot: Snapshot,
        now: datetime,
        *,
        instance: InstanceInfo,
        roles: frozenset[str] | None = None,
    ) -> tuple[ManualAction, ...]:
        """The manual transitions of the active states that ``roles`` may take
        (all of them when ``roles`` is None), each with its guard's blockers."""
        if snapshot.done:
            return ()
        info = self._info(snapshot.configuration)
        run = Run(self.tables, snapshot, info.configuration, None, now, instance)
        return manual_actions(self.tables, info.configuration, run.scope, roles)

    # -- the algorithm ------------------------------------------------------------------
    def _typed(self, event: Event, record: RecordType) -> Event:
        try:
            data = coerce_event_data(record, event.data)
        except ValueError as exc:
            message = f"the data of '{event.name}' does not fit its declaration: {exc}"
            raise EventRefused(event, (Blocker(BAD_EVENT_DATA, message),)) from None
        return Event(event.name, data, event.origin, event.actor, event.roles, event.note)

    def _not_accepted(self, run: Run, info: ConfigInfo, event: Event) -> MacroStep:
        """An ignored event changes nothing. A timer's event nobody takes is discarded (its
        timer is consumed, the reasons logged); any other event is refused."""
        ignored = info.ignores(event.name)
        if ignored and event.origin != "timer":
            return MacroStep(event, run.before, run.before, (), ())
        if ignored:
            return self._finish(run, event)
        found = explanation(self.tables, info.configuration, event, run.scope, [], False)
        if event.origin != "timer":
            raise EventRefused(event, found.blockers)
        reasons = "; ".join(b.message for b in found.blockers)
        run.effects.append(LogEntry(f"timer event '{event.name}' discarded: {reasons}"))
        return self._finish(run, event)

    def _settle(self, run: Run) -> None:
        """Eventless transitions, then internal events, until the configuration is stable."""
        tables = self.tables
        on_error = run.guard_error
        infos = self._infos
        while run.running:
            info = infos.get(run.config) or self._info(run.config)
            event: Event | None = None
            enabled: list[TransitionInfo] = []
            if info.eventless:
                enabled = select_transitions(info.eventless, run.scope, None, on_error)
            if not enabled:
                if not run.internal:
                    return
                event = run.internal.popleft()
                run.event = event
                run.scope.event = event.data
                chains = info.chains(tables, event.name)
                if not chains:
                    continue
                enabled = select_transitions(chains, run.scope, event, on_error)
                if not enabled:
                    continue  # SCXML discards an internal event that enables nothing
            if len(enabled) > 1:
                enabled = remove_conflicting_transitions(tables, info, enabled, run.history)
            self._execute(run, self._plan(run, enabled), event)

    def _execute(self, run: Run, plan: Plan, event: Event | None) -> None:
        """``microstep``: exitStates, executeTransitionContent, enterStates."""
        if len(run.microsteps) >= self.max_microsteps:
            trail = tuple(t.describe() for m in run.microsteps[-3:] for t in m.transitions)
            raise MicrostepLimitExceeded(self.max_microsteps, run.trigger, trail)
        if plan.records:
            run.record_history(plan.records)
        for info, config in plan.exits:
            if info.exit:
                run.config = config
                for fn in info.exit:
                    fn(run)
            for t in info.timers:
                if t.timer_id is not None:
                    run.cancel(t.timer_id)
            if info.invokes and info.id in run.to_invoke:
                run.to_invoke.remove(info.id)
        if plan.with_actions:
            run.config = plan.middle
            for t in plan.with_actions:
                for fn in t.actions:
                    fn(run)
        for info, config, done, default in plan.entries:
            run.config = config
            for fn in info.entry:
                fn(run)
            if default is not None:
                for fn in default.actions:
                    fn(run)
            for t in info.timers:
                self._start_timer(run, info, t)
            if info.invokes:
                run.to_invoke.append(info.id)
            for name in done:
                run.internal.append(Event(name, EMPTY, "internal"))
        run.config = plan.configuration
        if plan.final:
            run.running = False
        run.microsteps.append(MicroStep(event, plan.models, plan.exited, plan.entered))

    def _start_timer(self, run: Run, info: StateInfo, t: TransitionInfo) -> None:
        timer = t.transition.timer
        if timer is None or t.timer_id is None:
            return
        where = f"the timer of {t.transition.describe()}"
        try:
            found = self._calendar_of(timer, run)
            if found is _NO_CALENDAR:
                return  # a per-instance calendar that is not set: the timer does not start
            calendar = found if isinstance(found, Calendar) else None
            if timer.delay is not None:
                wait = timer.delay.compiled.fn(run.scope)
                if wait is None:
                    return  # an empty (optional) delay starts no timer
                if not isinstance(wait, timedelta):
                    raise EvaluationError(
                        timer.delay.text, f"the delay is {wait!r}, not a duration"
                    )
                try:
                    due: datetime | None = due_time(run.now, wait, calendar)
                except ValueError as exc:
                    raise EvaluationError(timer.delay.text, str(exc)) from None
            elif timer.open_days is not None:
                days = timer.open_days.compiled.fn(run.scope)
                if days is None:
                    return
                if isinstance(days, bool) or not isinstance(days, int):
                    raise EvaluationError(
                        timer.open_days.text, f"open days is {days!r}, not a whole number"
                    )
                if calendar is None:
                    due = run.now + timedelta(days=days)
                else:
                    due = open_days_deadline(run.now, days, calendar)
            else:
                due = run.now
        except EvaluationError as exc:
            raise ActionFailed(exc, where) from exc
        if due is None:
            run.effects.append(
                LogEntry(f"{where} never fires: calendar '{timer.calendar}' never opens")
            )
            return
        run.schedule(PendingTimer(t.timer_id, timer.event, due))

    def _calendar_of(self, timer: Timer, run: Run) -> Calendar | object | None:
        """The timer's calendar: declared, from a context field, or :data:`_NO_CALENDAR`."""
        if timer.calendar_field is not None:
            value = timer.calendar_field.compiled.fn(run.scope)
            if value is None:
                return _NO_CALENDAR
            return calendar_from_value(value, timer.calendar_field.text)
        return self.chart.calendars.get(timer.calendar) if timer.calendar else None

    def _check_rules(self, run: Run) -> None:
        """Every rule of the chart must hold for the context the step leaves behind."""
        broken = []
        for rule in self.chart.rules:
            try:
                ok = rule.check.compiled.fn(run.scope)
            except EvaluationError as exc:
                raise ActionFailed(exc, f"rule `{rule.check.text}`") from exc
            if ok is not True:
                broken.append(rule.message)
        if broken:
            raise RuleBroken(tuple(broken))

    def _finish(self, run: Run, event: Event | None) -> MacroStep:
        if self.chart.rules:
            self._check_rules(run)
        if not run.running:
            run.cancel_all()  # the instance is done: nothing may fire any more
        elif run.to_invoke:
            self._invoke(run)
        return MacroStep(
            event, run.before, run.snapshot(), tuple(run.microsteps), tuple(run.effects)
        )

    def _invoke(self, run: Run) -> None:
        """Start the invocations of the states entered in this macrostep and still active."""
        states = self.tables.states
        for sid in sorted(set(run.to_invoke), key=lambda s: states[s].order):
            if sid not in run.config:
                continue
            for invoke in states[sid].invokes:
                try:
                    data = evaluate_data(invoke.input, run.scope)
                except EvaluationError as exc:
                    raise ActionFailed(
                        exc, f"the input of task '{invoke.task}' of '{sid}'"
                    ) from exc
                run.request_task(invoke.task, data)
