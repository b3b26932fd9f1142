"""Selecting the optimal enabled transition set (SCXML ``selectTransitions``,
``selectEventlessTransitions`` and ``removeConflictingTransitions``).

For every atomic state of the configuration in document order, the state and then its
ancestors are searched, each in document order, for the first transition that matches
the event and whose guard holds ("inner first"). The transitions found are then
filtered: of two transitions whose exit sets intersect, the one whose source is a
descendant of the other's wins, otherwise the one selected first.

The candidate lists ("chains") depend only on the configuration and the event name, so
they are computed once per (configuration, event name) and kept in :class:`ConfigInfo`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from engine.errors import EvaluationError
from engine.expr import Scope
from engine.model import matches
from engine.runtime.blockers import NOTE_REQUIRED, ROLE_NOT_ALLOWED
from engine.runtime.configuration import History, compute_exit_set, is_descendant
from engine.runtime.run import Where
from engine.runtime.tables import StateInfo, Tables, TransitionInfo
from engine.runtime.values import Event

if TYPE_CHECKING:
    from engine.runtime.fast import Move

__all__ = [
    "Chains",
    "ConfigInfo",
    "manual_blocker",
    "remove_conflicting_transitions",
    "select_eventless_transitions",
    "select_transitions",
]

Chains = tuple[tuple[TransitionInfo, ...], ...]
GuardErrorHandler = Callable[[TransitionInfo, EvaluationError], None]

#: Beyond this many distinct event names a configuration's cache is reset (unbounded
#: names must not grow memory without bound).
MAX_CACHED_EVENTS = 512


class ConfigInfo:
    """What the selection needs to know about one configuration, computed once."""

    __slots__ = (
        "atomic",
        "by_event",
        "configuration",
        "eventless",
        "exit_sets",
        "ignore",
        "in_state",
        "moves",
    )

    def __init__(self, tables: Tables, configuration: frozenset[str]) -> None:
        self.configuration = configuration
        #: In() in this configuration (guards of the fast path read it)
        self.in_state = Where(tables.refs, configuration)
        self.atomic: tuple[StateInfo, ...] = tuple(
            sorted(
                (tables.states[s] for s in configuration if tables.states[s].is_atomic),
                key=lambda info: info.order,
            )
        )
        self.eventless: Chains = self._chains(tables, lambda s: s.eventless)
        self.by_event: dict[str, Chains] = {}
        ignore = list(tables.chart.ignore)
        for sid in sorted(configuration, key=lambda s: tables.states[s].order):
            ignore.extend(tables.states[sid].ignore)
        self.ignore = tuple(ignore)
        #: computeExitSet([t]) for transitions without history targets
        self.exit_sets: dict[TransitionInfo, frozenset[str]] = {}
        #: event name -> the precomputed candidates of the fast path (see fast.py)
        self.moves: dict[str, tuple[Move, ...]] = {}

    def _chains(
        self, tables: Tables, pick: Callable[[StateInfo], tuple[TransitionInfo, ...]]
    ) -> Chains:
        chains = []
        for atomic in self.atomic:
            chain = list(pick(atomic))
            for anc in atomic.ancestors:
                chain.extend(pick(tables.states[anc]))
            if chain:
                chains.append(tuple(chain))
        return tuple(chains)

    def chains(self, tables: Tables, event: str) -> Chains:
        """Candidate transitions for ``event``: one chain per atomic state, inner first."""
        found = self.by_event.get(event)
        if found is None:
            if len(self.by_event) >= MAX_CACHED_EVENTS:
                self.by_event.clear()
                self.moves.clear()
            found = self._chains(tables, lambda s: tables.matching(s, event))
            self.by_event[event] = found
        return found

    def ignores(self, event: str) -> bool:
        return any(matches(d, event) for d in self.ignore)

    def exit_set(self, tables: Tables, t: TransitionInfo, history: History) -> frozenset[str]:
        if t.history_targets:
            return frozenset(compute_exit_set(tables, (t,), self.configuration, history))
        found = self.exit_sets.get(t)
        if found is None:
            found = frozenset(compute_exit_set(tables, (t,), self.configuration, history))
            self.exit_sets[t] = found
        return found


def manual_blocker(t: TransitionInfo, event: Event) -> str | None:
    """Why a person's event cannot take a manual transition (a blocker code), or None."""
    manual = t.manual
    if manual is None:
        return None
    if event.roles is not None and manual.roles and event.roles.isdisjoint(manual.roles):
        return ROLE_NOT_ALLOWED
    if manual.note_required and not (event.note and event.note.strip()):
        return NOTE_REQUIRED
    return None


def _first_enabled(
    chain: tuple[TransitionInfo, ...],
    scope: Scope,
    event: Event | None,
    on_error: GuardErrorHandler | None,
) -> TransitionInfo | None:
    for t in chain:
        if event is not None and t.manual is not None and manual_blocker(t, event) is not None:
            continue
        guard = t.guard
        if guard is None:
            return t
        try:
            if guard(scope) is True:
                return t
        except EvaluationError as exc:  # SCXML: a guard that cannot be evaluated is false
            if on_error is not None:
                on_error(t, exc)
    return None


def select_transitions(
    chains: Chains, scope: Scope, event: Event | None, on_error: GuardErrorHandler | None = None
) -> list[TransitionInfo]:
    """``selectTransitions`` (before conflict removal): the first enabled transition of
    each chain, each transition once."""
    enabled: list[TransitionInfo] = []
    for chain in chains:
        t = _first_enabled(chain, scope, event, on_error)
        if t is not None and t not in enabled:
            enabled.append(t)
    return enabled


def select_eventless_transitions(
    info: ConfigInfo, scope: Scope, on_error: GuardErrorHandler | None = None
) -> list[TransitionInfo]:
    """``selectEventlessTransitions`` (before conflict removal)."""
    return select_transitions(info.eventless, scope, None, on_error)


def remove_conflicting_transitions(
    tables: Tables, info: ConfigInfo, enabled: list[TransitionInfo], history: History
) -> list[TransitionInfo]:
    """``removeConflictingTransitions``: keep a conflict-free set, preferring descendants'
    transitions, then the ones selected first (document order of their atomic states)."""
    if len(enabled) < 2:
        return enabled
    filtered: list[TransitionInfo] = []
    for t1 in enabled:
        preempted = False
        to_remove: list[TransitionInfo] = []
        exit1 = info.exit_set(tables, t1, history)
        for t2 in filtered:
            if exit1 & info.exit_set(tables, t2, history):
                if is_descendant(tables, t1.source, t2.source):
                    to_remove.append(t2)
                else:
                    preempted = True
                    break
        if not preempted:
            for t3 in to_remove:
                filtered.remove(t3)
            filtered.append(t1)
    return filtered
