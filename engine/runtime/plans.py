"""Microstep plans: everything about a microstep that does not depend on the context.

Which states a transition set exits (in exit order) and enters (in entry order), the
history it records, the ``done.state`` events entering final states raises and the
resulting configuration depend only on the configuration, the transitions and the
history values of the history states they target. A :class:`Plan` holds them, together
with the configuration seen by ``In()`` while each exit and entry action runs, and is
cached by the interpreter under that key.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.model import ROOT, Transition
from engine.runtime.configuration import (
    EntrySet,
    History,
    compute_entry_set,
    compute_exit_set,
    entry_order,
    exit_order,
    initial_entry_set,
    is_descendant,
    is_in_final_state,
)
from engine.runtime.tables import StateInfo, Tables, TransitionInfo

__all__ = ["EntryStep", "ExitStep", "Plan", "build_initial_plan", "build_plan"]

Intern = Callable[[frozenset[str]], frozenset[str]]
#: (state, configuration while its exit actions run)
ExitStep = tuple[StateInfo, frozenset[str]]
#: (state, configuration while its entry actions run, done events it raises, the
#:  transitions whose content runs after its entry actions: its initial transition when
#:  it is entered by default, a history default transition of one of its children)
EntryStep = tuple[StateInfo, frozenset[str], tuple[str, ...], tuple[TransitionInfo, ...]]


class Plan:
    """A microstep, minus the actions' effects on the context."""

    __slots__ = (
        "configuration",
        "entered",
        "entries",
        "exited",
        "exits",
        "final",
        "middle",
        "models",
        "records",
        "transitions",
        "with_actions",
    )

    def __init__(
        self,
        transitions: tuple[TransitionInfo, ...],
        exits: tuple[ExitStep, ...],
        records: tuple[tuple[str, tuple[str, ...]], ...],
        entries: tuple[EntryStep, ...],
        configuration: frozenset[str],
        final: bool,
        exited: tuple[str, ...],
        entered: tuple[str, ...],
        middle: frozenset[str],
    ) -> None:
        self.transitions = transitions
        self.models: tuple[Transition, ...] = tuple(t.transition for t in transitions)
        #: only the exits and entries with work to do (actions, timers, invokes, events)
        self.exits = exits
        self.records = records
        self.entries = entries
        self.configuration = configuration
        self.final = final  # a top-level final state is entered: the instance is done
        self.exited = exited
        self.entered = entered
        #: the configuration while the transitions' own actions run (after the exits)
        self.middle = middle
        #: the transitions that have actions of their own
        self.with_actions = tuple(t for t in transitions if t.actions)


def _has_exit_work(info: StateInfo) -> bool:
    return bool(info.exit or info.timers or info.invokes)


def history_records(
    tables: Tables, exiting: list[str], configuration: frozenset[str]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """What ``exitStates`` stores in ``historyValue`` for the states being exited:
    deep history keeps the active atomic descendants, shallow the active children."""
    ordered = entry_order(tables, configuration)
    records = []
    for sid in exiting:
        for hid, deep in tables.states[sid].history:
            if deep:
                kept = tuple(
                    s
                    for s in ordered
                    if tables.states[s].is_atomic and is_descendant(tables, s, sid)
                )
            else:
                kept = tuple(s for s in ordered if tables.states[s].parent == sid)
            records.append((hid, kept))
    return tuple(records)


def _entries(
    tables: Tables, entry: EntrySet, current: set[str]
) -> tuple[tuple[EntryStep, ...], bool, tuple[str, ...]]:
    steps: list[EntryStep] = []
    final = False
    ordered = entry_order(tables, entry.states_to_enter)
    for sid in ordered:
        current.add(sid)
        info = tables.states[sid]
        done: list[str] = []
        if info.is_final:
            parent = info.parent or ROOT
            if parent == ROOT:
                final = True
            else:
                done.append(f"done.state.{parent}")
                grandparent = tables.states[parent].parent
                if (
                    grandparent is not None
                    and tables.states[grandparent].is_parallel
                    and all(
                        is_in_final_state(tables, c, current)
                        for c in tables.states[grandparent].children
                    )
                ):
                    done.append(f"done.state.{grandparent}")
        content: tuple[TransitionInfo, ...] = ()
        if info.initial_content is not None and sid in entry.states_for_default_entry:
            content = (info.initial_content,)
        default = entry.default_history_content.get(sid)
        if default is not None:
            content = (*content, default)
        if info.entry or info.timers or info.invokes or done or content:
            steps.append((info, frozenset(current), tuple(done), content))
    return tuple(steps), final, tuple(ordered)


def build_plan(
    tables: Tables,
    configuration: frozenset[str],
    transitions: tuple[TransitionInfo, ...],
    history: History,
    intern: Intern,
) -> Plan:
    """``microstep``: the exit set, the history recorded, then the entry set."""
    exiting = exit_order(tables, compute_exit_set(tables, transitions, configuration, history))
    records = history_records(tables, exiting, configuration)
    current = set(configuration)
    exits: list[ExitStep] = []
    for sid in exiting:
        info = tables.states[sid]
        if _has_exit_work(info):
            exits.append((info, frozenset(current)))
        current.discard(sid)
    middle = frozenset(current)
    after_records = dict(history)
    after_records.update(records)
    entry = compute_entry_set(tables, transitions, after_records)
    entries, final, entered = _entries(tables, entry, current)
    return Plan(
        transitions,
        tuple(exits),
        records,
        entries,
        intern(frozenset(current)),
        final,
        tuple(exiting),
        entered,
        middle,
    )


def build_initial_plan(tables: Tables, intern: Intern) -> Plan:
    """The entry into the initial configuration (``enterStates([doc.initial.transition])``)."""
    current: set[str] = set()
    entries, final, entered = _entries(tables, initial_entry_set(tables), current)
    root = tables.states[ROOT]
    if root.initial_content is not None:  # the chart's initial actions run first
        entries = ((root, frozenset(), (), (root.initial_content,)), *entries)
    return Plan((), (), (), entries, intern(frozenset(current)), final, (), entered, frozenset())
