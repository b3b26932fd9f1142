"""The set computations of W3C SCXML 1.0, Appendix D ("Algorithm for SCXML Interpretation").

Each function carries the name of its pseudo-code procedure, so a reviewer can hold
this module against the specification line by line. They are pure: they read the
chart's :class:`~engine.runtime.tables.Tables`, a configuration and the history values,
and return sets. Ordered sets are dicts with ``None`` values (insertion ordered).

Initial transitions and history default transitions may carry executable content: the
plan runs a compound state's initial content after its entry actions when it is in
``statesForDefaultEntry``, and a history default's after its parent's entry actions.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from engine.model import ROOT
from engine.runtime.tables import Tables, TransitionInfo

__all__ = [
    "EntrySet",
    "add_ancestor_states_to_enter",
    "add_descendant_states_to_enter",
    "compute_entry_set",
    "compute_exit_set",
    "entry_order",
    "exit_order",
    "find_lcca",
    "get_effective_target_states",
    "get_proper_ancestors",
    "get_transition_domain",
    "initial_entry_set",
    "is_descendant",
    "is_in_final_state",
]

History = Mapping[str, tuple[str, ...]]


def is_descendant(tables: Tables, state: str, ancestor: str) -> bool:
    """``isDescendant``: true when ``state`` is a proper descendant of ``ancestor``."""
    return ancestor in tables.states[state].ancestor_set


def get_proper_ancestors(tables: Tables, state: str, upto: str | None) -> list[str]:
    """``getProperAncestors(state1, state2)``: nearest first, stopping before ``upto``.

    With ``upto`` None the list ends with the root.
    """
    out: list[str] = []
    for anc in tables.states[state].ancestors:
        if anc == upto:
            break
        out.append(anc)
    return out


def find_lcca(tables: Tables, states: list[str]) -> str:
    """``findLCCA``: the least compound ancestor (or the root) holding every state."""
    head, tail = states[0], states[1:]
    for anc in tables.states[head].ancestors:
        info = tables.states[anc]
        if (anc == ROOT or info.is_compound) and all(
            anc in tables.states[s].ancestor_set for s in tail
        ):
            return anc
    return ROOT


def get_effective_target_states(
    tables: Tables, transition: TransitionInfo, history: History
) -> dict[str, None]:
    """``getEffectiveTargetStates``: targets with history states replaced by what they hold."""
    targets: dict[str, None] = {}
    for sid in transition.targets:
        info = tables.states[sid]
        if info.is_history:
            recorded = history.get(sid)
            if recorded:
                targets.update(dict.fromkeys(recorded))
            elif info.history_default is not None:
                targets.update(get_effective_target_states(tables, info.history_default, history))
        else:
            targets[sid] = None
    return targets


def get_transition_domain(
    tables: Tables, transition: TransitionInfo, history: History
) -> str | None:
    """``getTransitionDomain``: the state whose descendants the transition exits and enters.

    An internal transition of a compound state whose targets are all its descendants
    has the source itself as domain (the source is not exited); otherwise the LCCA of
    the source and the targets. None for a targetless transition.
    """
    tstates = get_effective_target_states(tables, transition, history)
    if not tstates:
        return None
    source = transition.source
    if (
        transition.internal
        and tables.states[source].is_compound
        and all(is_descendant(tables, s, source) for s in tstates)
    ):
        return source
    return find_lcca(tables, [source, *tstates])


def compute_exit_set(
    tables: Tables,
    transitions: Iterable[TransitionInfo],
    configuration: Collection[str],
    history: History,
) -> set[str]:
    """``computeExitSet``: the active states that the transitions leave."""
    to_exit: set[str] = set()
    for t in transitions:
        if t.targets:
            domain = get_transition_domain(tables, t, history)
            if domain is None:
                continue
            for sid in configuration:
                if is_descendant(tables, sid, domain):
                    to_exit.add(sid)
    return to_exit


class EntrySet:
    """The three outputs of ``computeEntrySet``."""

    __slots__ = ("default_history_content", "states_for_default_entry", "states_to_enter")

    def __init__(self) -> None:
        self.states_to_enter: dict[str, None] = {}
        self.states_for_default_entry: set[str] = set()
        #: parent state id -> the history default transition whose content runs on entry
        self.default_history_content: dict[str, TransitionInfo] = {}


def compute_entry_set(
    tables: Tables, transitions: Iterable[TransitionInfo], history: History
) -> EntrySet:
    """``computeEntrySet``: every state the transitions enter, defaults and history included."""
    out = EntrySet()
    for t in transitions:
        for sid in t.targets:
            add_descendant_states_to_enter(tables, sid, out, history)
        ancestor = get_transition_domain(tables, t, history)
        if ancestor is None:
            continue
        for sid in get_effective_target_states(tables, t, history):
            add_ancestor_states_to_enter(tables, sid, ancestor, out, history)
    return out


def initial_entry_set(tables: Tables) -> EntrySet:
    """The entry set of the document's initial transition (``enterStates([doc.initial...])``)."""
    out = EntrySet()
    root = tables.states[ROOT]
    for sid in root.initial:
        add_descendant_states_to_enter(tables, sid, out, {})
    for sid in root.initial:
        add_ancestor_states_to_enter(tables, sid, ROOT, out, {})
    return out


def _enters_descendant_of(tables: Tables, out: EntrySet, child: str) -> bool:
    return any(child in tables.states[s].ancestor_set for s in out.states_to_enter)


def add_descendant_states_to_enter(
    tables: Tables, state: str, out: EntrySet, history: History
) -> None:
    """``addDescendantStatesToEnter``: the state, then its default or remembered descendants."""
    info = tables.states[state]
    if info.is_history:
        parent = info.parent or ROOT
        recorded = history.get(state)
        if recorded:
            for sid in recorded:
                add_descendant_states_to_enter(tables, sid, out, history)
            for sid in recorded:
                add_ancestor_states_to_enter(tables, sid, parent, out, history)
        elif info.history_default is not None:
            default = info.history_default
            out.default_history_content[parent] = default
            for sid in default.targets:
                add_descendant_states_to_enter(tables, sid, out, history)
            for sid in default.targets:
                add_ancestor_states_to_enter(tables, sid, parent, out, history)
        return
    out.states_to_enter[state] = None
    if info.is_compound:
        out.states_for_default_entry.add(state)
        for sid in info.initial:
            add_descendant_states_to_enter(tables, sid, out, history)
        for sid in info.initial:
            add_ancestor_states_to_enter(tables, sid, state, out, history)
    elif info.is_parallel:
        for child in info.children:
            if not _enters_descendant_of(tables, out, child):
                add_descendant_states_to_enter(tables, child, out, history)


def add_ancestor_states_to_enter(
    tables: Tables, state: str, ancestor: str, out: EntrySet, history: History
) -> None:
    """``addAncestorStatesToEnter``: the ancestors below ``ancestor``, filling parallel regions."""
    for anc in get_proper_ancestors(tables, state, ancestor):
        if anc == ROOT:
            break
        out.states_to_enter[anc] = None
        info = tables.states[anc]
        if info.is_parallel:
            for child in info.children:
                if not _enters_descendant_of(tables, out, child):
                    add_descendant_states_to_enter(tables, child, out, history)


def is_in_final_state(tables: Tables, state: str, configuration: Collection[str]) -> bool:
    """``isInFinalState``: a compound state whose active child is final, or a parallel
    state whose every region is in a final state."""
    info = tables.states[state]
    if info.is_compound:
        return any(tables.states[c].is_final and c in configuration for c in info.children)
    if info.is_parallel:
        return all(is_in_final_state(tables, c, configuration) for c in info.children)
    return False


def exit_order(tables: Tables, states: Iterable[str]) -> list[str]:
    """Descendants before ancestors, reverse document order between siblings."""
    return sorted(states, key=lambda s: tables.states[s].order, reverse=True)


def entry_order(tables: Tables, states: Iterable[str]) -> list[str]:
    """Ancestors before descendants, document order between siblings."""
    return sorted(states, key=lambda s: tables.states[s].order)
