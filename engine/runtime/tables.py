"""Per-chart tables, built once by the :class:`~engine.runtime.interpreter.Interpreter`.

:class:`StateInfo` and :class:`TransitionInfo` wrap the model's states and transitions
with what the algorithm asks for again and again: document order, proper ancestors,
child states without history pseudo-states, compiled guards and actions, timers. They
hash by identity, so they are cheap keys for the caches of the configuration algorithm.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from engine.expr.compiler import Evaluator
from engine.model import (
    ROOT,
    Action,
    Chart,
    HistoryKind,
    Invoke,
    Manual,
    State,
    StateKind,
    Transition,
    TransitionKind,
    Trigger,
    matches,
)

if TYPE_CHECKING:
    from engine.expr import Scope
    from engine.runtime.run import Run

__all__ = ["ActionFn", "ScopeFn", "StateInfo", "Tables", "TransitionInfo"]

#: A compiled action: runs against the macrostep's working state.
ActionFn = Callable[["Run"], None]
Compile = Callable[[tuple[Action, ...], str], tuple[ActionFn, ...]]
#: An action that reads and writes nothing but the scope (an ``assign``).
ScopeFn = Callable[["Scope"], None]
CompileScope = Callable[[tuple[Action, ...], str], "tuple[ScopeFn, ...] | None"]


class TransitionInfo:
    """A transition with its compiled parts; ``index`` is its global document order."""

    __slots__ = (
        "actions",
        "events",
        "guard",
        "history_targets",
        "index",
        "internal",
        "manual",
        "scope_actions",
        "source",
        "targets",
        "timer_id",
        "transition",
    )

    def __init__(
        self,
        transition: Transition,
        index: int,
        actions: tuple[ActionFn, ...],
        scope_actions: tuple[ScopeFn, ...] | None = None,
    ) -> None:
        self.transition = transition
        self.index = index
        self.source = transition.source
        self.targets = transition.targets
        self.events = transition.events
        self.guard: Evaluator | None = (
            transition.guard.compiled.fn if transition.guard is not None else None
        )
        self.actions = actions
        #: the same actions as functions of the scope alone, when they only assign
        self.scope_actions = scope_actions
        self.internal = transition.kind is TransitionKind.INTERNAL
        self.manual: Manual | None = transition.manual
        self.timer_id: str | None = None
        if transition.timer is not None:
            self.timer_id = f"{transition.source}#{transition.timer.event.rsplit('.', 1)[1]}"
        #: history states among the targets, followed through history defaults
        self.history_targets: tuple[str, ...] = ()

    def accepts(self, event: str) -> bool:
        return any(matches(d, event) for d in self.events)

    def __repr__(self) -> str:
        return f"<{self.transition.describe()}>"


class StateInfo:
    """A state with its document order, ancestors, children and compiled actions."""

    __slots__ = (
        "ancestor_set",
        "ancestors",
        "children",
        "entry",
        "eventful",
        "eventless",
        "exit",
        "history",
        "history_default",
        "id",
        "ignore",
        "initial",
        "initial_content",
        "invokes",
        "is_atomic",
        "is_compound",
        "is_final",
        "is_history",
        "is_parallel",
        "order",
        "parent",
        "state",
        "timers",
        "transitions",
    )

    def __init__(self, state: State, order: int, ancestors: tuple[str, ...]) -> None:
        self.state = state
        self.id = state.id
        self.order = order
        self.parent = state.parent
        self.ancestors = ancestors  # proper ancestors, nearest first, ending with the root
        self.ancestor_set = frozenset(ancestors)
        self.initial = state.initial
        self.is_atomic = state.kind in (StateKind.ATOMIC, StateKind.FINAL)
        self.is_compound = state.kind is StateKind.COMPOUND
        self.is_parallel = state.kind is StateKind.PARALLEL
        self.is_final = state.kind is StateKind.FINAL
        self.is_history = state.kind is StateKind.HISTORY
        self.children: tuple[str, ...] = ()  # child states, history pseudo-states excluded
        self.history: tuple[tuple[str, bool], ...] = ()  # (history child id, deep?)
        self.transitions: tuple[TransitionInfo, ...] = ()
        self.eventful: tuple[TransitionInfo, ...] = ()
        self.eventless: tuple[TransitionInfo, ...] = ()
        self.history_default: TransitionInfo | None = None
        #: the initial transition when it has actions (run after entry, on default entry)
        self.initial_content: TransitionInfo | None = None
        self.entry: tuple[ActionFn, ...] = ()
        self.exit: tuple[ActionFn, ...] = ()
        self.timers: tuple[TransitionInfo, ...] = ()
        self.invokes: tuple[Invoke, ...] = state.invoke
        self.ignore = state.ignore

    def __repr__(self) -> str:
        return f"<state {self.id or '(root)'}>"


class Tables:
    """Every state and transition of a chart, wrapped, in document order."""

    def __init__(
        self, chart: Chart, compile_actions: Compile, compile_scope: CompileScope | None = None
    ) -> None:
        self.chart = chart
        self.states: dict[str, StateInfo] = {}
        self.transitions: list[TransitionInfo] = []
        for order, (sid, state) in enumerate(chart.states.items()):
            ancestors = () if state.parent is None else chart.ancestors(sid)
            self.states[sid] = StateInfo(state, order, ancestors)
        for sid, info in self.states.items():
            state = info.state
            info.children = tuple(
                c for c in state.children if self.states[c].state.kind is not StateKind.HISTORY
            )
            info.history = tuple(
                (c, self.states[c].state.history is HistoryKind.DEEP)
                for c in state.children
                if self.states[c].state.kind is StateKind.HISTORY
            )
            where = f"state '{sid}'" if sid else "the chart"
            info.entry = compile_actions(state.entry, f"entry of {where}")
            info.exit = compile_actions(state.exit, f"exit of {where}")
            wrapped = []
            for t in state.transitions:
                described = t.describe()
                ti = TransitionInfo(
                    t,
                    len(self.transitions),
                    compile_actions(t.actions, described),
                    None if compile_scope is None else compile_scope(t.actions, described),
                )
                self.transitions.append(ti)
                wrapped.append(ti)
            info.transitions = tuple(wrapped)
            if state.initial_actions:
                initial = Transition(
                    source=sid,
                    events=(),
                    targets=state.initial,
                    actions=state.initial_actions,
                    trigger=Trigger.ALWAYS,
                    span=state.span,
                    path=state.path,
                )
                info.initial_content = TransitionInfo(
                    initial,
                    len(self.transitions),
                    compile_actions(state.initial_actions, f"initial transition of {where}"),
                )
            if info.is_history:
                info.history_default = wrapped[0] if wrapped else None
                info.transitions = ()
            info.eventful = tuple(t for t in info.transitions if t.events)
            info.eventless = tuple(t for t in info.transitions if not t.events)
            info.timers = tuple(
                t for t in info.transitions if t.transition.trigger is Trigger.TIMER
            )
        for ti in self.transitions:
            ti.history_targets = tuple(self._history_targets(ti.targets, set()))
        #: every reference an expression may use in In('...') -> state id
        self.refs: dict[str, str] = {sid: sid for sid in chart.states if sid != ROOT}
        self.refs.update(chart.refs)

    def _history_targets(self, targets: tuple[str, ...], seen: set[str]) -> list[str]:
        """The history states entering ``targets`` may consult: targeted ones (and their
        defaults), and those a default entry reaches (an ``initial`` naming a history
        state, in the targets or below them)."""
        found: list[str] = []
        for sid in targets:
            if sid in seen:
                continue
            seen.add(sid)
            info = self.states[sid]
            if info.is_history:
                found.append(sid)
                if info.history_default is not None:
                    found += self._history_targets(info.history_default.targets, seen)
            elif info.is_compound:
                found += self._history_targets(info.initial, seen)
            elif info.is_parallel:
                found += self._history_targets(info.children, seen)
        return found

    def matching(self, state: StateInfo, event: str) -> tuple[TransitionInfo, ...]:
        """The state's own transitions whose descriptors match ``event``, in document order."""
        return tuple(t for t in state.eventful if t.accepts(event))
