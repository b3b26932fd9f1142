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
interned so every instance in a state shares one frozenset. Per (configuration, event
name) the *moves* of the fast path (:mod:`engine.runtime.fast`): a step that only takes
one transition whose plan has no work but assignments is done in ``step`` itself, without
the general machinery (``_general``), and gives the same MacroStep.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from time import monotonic
from typing import Any

from engine.errors import EvaluationError
from engine.expr import FunctionRegistry, Scope
from engine.expr.types import RecordType
from engine.limits import DEFAULT_LIMITS, Limits
from engine.model import Chart
from engine.runtime.actions import check_rules, compile_actions, scope_actions
from engine.runtime.admission import (
    RESERVED_PREFIXES,
    admission_blocker,
    outcome_task,
    typed_event,
)
from engine.runtime.blockers import Explanation, ManualAction
from engine.runtime.data import coerce_context, event_data_types
from engine.runtime.effects import LogEntry
from engine.runtime.errors import (
    EventRefused,
    MicrostepLimitExceeded,
    StepTimeExceeded,
)
from engine.runtime.explain import done_blocker, explanation, manual_actions
from engine.runtime.fast import Move, RulesCheck, build_moves
from engine.runtime.plans import Plan, build_initial_plan, build_plan
from engine.runtime.run import Run, event_scope
from engine.runtime.selection import (
    MAX_CACHED_EVENTS,
    ConfigInfo,
    manual_blocker,
    remove_conflicting_transitions,
    select_transitions,
)
from engine.runtime.steps import MACROSTEP_SLOTS, MacroStep, MicroStep, new_macrostep
from engine.runtime.tables import Tables, TransitionInfo
from engine.runtime.timers import start_invocations, start_timer
from engine.runtime.values import EMPTY, SNAPSHOT_SLOTS, Event, InstanceInfo, Snapshot

__all__ = ["Interpreter"]

_new = object.__new__
_configuration, _context, _history, _timers, _done, _calls = SNAPSHOT_SLOTS
_event, _before, _after, _microsteps, _effects = MACROSTEP_SLOTS


class Interpreter:
    """One per chart; precomputes its tables once and caches per configuration."""

    def __init__(
        self,
        chart: Chart,
        *,
        functions: FunctionRegistry | None = None,
        max_microsteps: int | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.chart = chart
        #: the registry the chart's expressions were compiled with (kept for callers)
        self.functions = functions
        #: the bounds of incoming data and of one macrostep's work
        self.limits = limits
        self.max_microsteps = limits.microsteps if max_microsteps is None else max_microsteps
        self.tables = Tables(chart, compile_actions, scope_actions)
        self._configs: dict[frozenset[str], frozenset[str]] = {}
        self._infos: dict[frozenset[str], ConfigInfo] = {}
        self._plans: dict[tuple[Any, ...], Plan] = {}
        self._data_types: dict[str, RecordType] = event_data_types(chart)
        #: task outcome events: they answer a waiting call, so they take the general path
        self._outcomes = frozenset(
            f"{kind}.invoke.{task}" for task in chart.tasks for kind in ("done", "error")
        )
        self._initial = build_initial_plan(self.tables, self._intern)
        self._rules: RulesCheck | None = self._check_rules if chart.rules else None

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

    def _plan_of(self, configuration: frozenset[str], t: TransitionInfo) -> Plan:
        """The plan of ``t`` alone, which has no history targets (the same cache entry)."""
        key = (configuration, t)
        plan = self._plans.get(key)
        if plan is None:
            plan = build_plan(self.tables, configuration, (t,), EMPTY, self._intern)
            self._plans[key] = plan
        return plan

    def _moves(self, info: ConfigInfo, name: str) -> tuple[Move, ...]:
        if self.max_microsteps < 1:
            return ()  # the one microstep is already too many: the general path raises
        moves = build_moves(self.tables, info, name, self._plan_of, self._info)
        if len(info.moves) >= MAX_CACHED_EVENTS:
            info.moves.clear()
        info.moves[name] = moves
        return moves

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
        name = event.name
        record = self._data_types.get(name)
        if event.origin == "external" and (event.data or name.startswith(RESERVED_PREFIXES)):
            blocker = admission_blocker(event, snapshot, record is not None, self.limits)
            if blocker is not None:
                raise EventRefused(event, (blocker,))
        if record is not None:
            event = typed_event(event, record)
        info = self._infos.get(snapshot.configuration)
        if info is None:
            info = self._info(snapshot.configuration)
        moves = info.moves.get(name)
        if moves is None:
            moves = self._moves(info, name)
        if not moves or event.origin == "timer" or (snapshot.calls and name in self._outcomes):
            return self._general(snapshot, event, now, instance, info)
        # The fast path (see fast.py): one candidate chain, decided by guards alone.
        scope: Scope | None = None
        rules = self._rules
        for move in moves:
            if move.manual is not None and manual_blocker(move.transition, event) is not None:
                continue
            guard = move.guard
            if guard is not None:
                if scope is None:
                    scope = event_scope(snapshot.context, event, now, info.in_state)
                try:
                    if guard(scope) is not True:
                        continue
                except EvaluationError:
                    break  # false, and the general path logs why: it takes the step
            plan = move.plan
            if plan is None or (move.final and snapshot.timers):
                break  # more than assignments to do (or pending timers to cancel at the end)
            context = snapshot.context
            if move.actions or rules is not None:
                if scope is None:
                    scope = event_scope(context, event, now, move.middle_in)
                else:
                    scope.in_state = move.middle_in
                for fn in move.actions:
                    fn(scope)
                if rules is not None:
                    scope.in_state = move.after_in
                    rules(scope)
                context = scope.context
            last, micro = move.micro
            if last is not event:
                micro = (MicroStep(event, plan.models, plan.exited, plan.entered),)
                move.micro = (event, micro)
            # Snapshot(...) and MacroStep(...) with their slots set directly (new_snapshot)
            after = _new(Snapshot)
            _configuration(after, move.configuration)
            _context(after, context)
            _history(after, snapshot.history)
            _timers(after, snapshot.timers)
            _done(after, move.final)
            calls = snapshot.calls  # a finished instance waits for no call (Run.snapshot)
            _calls(after, EMPTY if move.final and calls is not None else calls)
            step = _new(MacroStep)
            _event(step, event)
            _before(step, snapshot)
            _after(step, after)
            _microsteps(step, micro)
            _effects(step, ())
            return step
        return self._general(snapshot, event, now, instance, info)

    def _general(
        self,
        snapshot: Snapshot,
        event: Event,
        now: datetime,
        instance: InstanceInfo,
        info: ConfigInfo,
    ) -> MacroStep:
        """The step by the general algorithm: selection, microsteps, run to completion."""
        run = Run(self.tables, snapshot, info.configuration, event, now, instance)
        if event.origin == "timer" and snapshot.timers:
            run.consume_timer(event.name)
        elif event.name in self._outcomes:
            run.answer_call(outcome_task(event.name) or "")
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
        if event.origin == "external":
            blocker = admission_blocker(event, snapshot, record is not None, self.limits)
            if blocker is not None:
                return Explanation(event.name, False, False, (), (blocker,))
        if record is not None:
            try:
                event = typed_event(event, record)
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
                run.scope_event(event)
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
        count = len(run.microsteps)
        if count >= self.max_microsteps or (
            count & 31 == 31 and monotonic() - run.started > self.limits.step_seconds
        ):
            trail = tuple(t.describe() for m in run.microsteps[-3:] for t in m.transitions)
            if count < self.max_microsteps:
                raise StepTimeExceeded(self.limits.step_seconds, run.trigger, trail)
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
        for info, config, done, content in plan.entries:
            run.config = config
            for fn in info.entry:
                fn(run)
            for t in content:
                for fn in t.actions:
                    fn(run)
            for t in info.timers:
                start_timer(self.chart, run, t)
            if info.invokes:
                run.to_invoke.append(info.id)
            for name in done:
                run.internal.append(Event(name, EMPTY, "internal"))
        run.config = plan.configuration
        if plan.final:
            run.running = False
        run.microsteps.append(MicroStep(event, plan.models, plan.exited, plan.entered))

    def _check_rules(self, scope: Scope) -> None:
        check_rules(self.chart, scope)

    def _finish(self, run: Run, event: Event | None) -> MacroStep:
        if self._rules is not None:
            self._rules(run.scope)
        if not run.running:
            run.cancel_all()  # the instance is done: nothing may fire any more
        elif run.to_invoke:
            start_invocations(self.tables, run)
        return new_macrostep(
            event, run.before, run.snapshot(), tuple(run.microsteps), tuple(run.effects)
        )
