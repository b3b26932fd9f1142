"""The chart: an immutable, validated statechart with the lookups every layer needs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

from engine.expr.types import EMPTY_RECORD, RecordType
from engine.model.actions import Action, walk_actions
from engine.model.declarations import Calendar, EventDecl, Rule, TaskDecl, TemplateDecl
from engine.model.policy import NotificationPolicy
from engine.model.states import ROOT, State, StateKind
from engine.model.transitions import Transition

__all__ = ["Chart"]


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, eq=False)
class Chart:
    """A statechart, valid by construction (only the loader builds one).

    ``states`` maps state id to state in document order, the implicit root (id ``""``)
    first. Lookups are precomputed once and cached; the value never changes.
    """

    id: str
    version: int
    states: Mapping[str, State]
    context: RecordType = EMPTY_RECORD
    defaults: Mapping[str, Any] = field(default_factory=_empty)
    events: Mapping[str, EventDecl] = field(default_factory=_empty)
    tasks: Mapping[str, TaskDecl] = field(default_factory=_empty)
    templates: Mapping[str, TemplateDecl] = field(default_factory=_empty)
    calendars: Mapping[str, Calendar] = field(default_factory=_empty)
    ignore: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    title: str | None = None
    description: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=_empty)
    file: str = "<memory>"
    source_hash: str = ""
    sources: tuple[str, ...] = field(default=())  # the chart file and every included fragment
    #: every unambiguous state reference (bare name or path suffix) -> state id
    refs: Mapping[str, str] = field(default_factory=_empty)
    #: per scope, which notifications are sent, suppressed or redirected (a data file)
    notification_policy: NotificationPolicy | None = None

    def __post_init__(self) -> None:
        if ROOT not in self.states:
            raise ValueError("a chart needs its root state")
        for state in self.states.values():
            if state.parent is not None and state.id not in self.states[state.parent].children:
                raise ValueError(f"state {state.id!r} is not a child of its parent")

    # -- lookups ---------------------------------------------------------------------
    @property
    def root(self) -> State:
        return self.states[ROOT]

    def state(self, state_id: str) -> State:
        return self.states[state_id]

    def resolve(self, ref: str) -> str:
        """The id of the state a reference names (``paid``, ``order.paid``); KeyError if none."""
        return self.refs[ref] if ref in self.refs else self.states[ref].id

    def children(self, state_id: str) -> tuple[State, ...]:
        return tuple(self.states[c] for c in self.states[state_id].children)

    def ancestors(self, state_id: str) -> tuple[str, ...]:
        """Proper ancestors, nearest first, ending with the root."""
        return self._ancestors[state_id]

    def is_descendant(self, state_id: str, ancestor: str) -> bool:
        """True when ``state_id`` is a proper descendant of ``ancestor``."""
        return ancestor in self._ancestor_sets[state_id]

    def lcca(self, state_ids: tuple[str, ...] | list[str]) -> str:
        """Least common compound ancestor (SCXML ``findLCCA``): compound or root."""
        head, *tail = state_ids
        for anc in self.ancestors(head):
            st = self.states[anc]
            if (anc == ROOT or st.kind is StateKind.COMPOUND) and all(
                self.is_descendant(s, anc) for s in tail
            ):
                return anc
        return ROOT

    def transitions(self) -> Iterator[Transition]:
        for state in self.states.values():
            yield from state.transitions

    def actions(self) -> Iterator[Action]:
        """Every action of the chart: entry, exit, initial and transition actions, ``if``
        branches too."""
        for state in self.states.values():
            yield from walk_actions(state.entry)
            yield from walk_actions(state.initial_actions)
            yield from walk_actions(state.exit)
            for t in state.transitions:
                yield from walk_actions(t.actions)

    def atomic_states(self) -> tuple[State, ...]:
        return tuple(s for s in self.states.values() if s.is_atomic)

    def final_states(self) -> tuple[State, ...]:
        return tuple(s for s in self.states.values() if s.is_final)

    def top_level_final(self, state_id: str) -> bool:
        st = self.states[state_id]
        return st.is_final and st.parent == ROOT

    # -- identity ---------------------------------------------------------------------
    @cached_property
    def fingerprint(self) -> str:
        """The identity of this chart's meaning (:mod:`engine.model.meaning`): equal for
        two files that differ only in comments, key order, quoting, layout or wording
        for people (labels, descriptions); a version is immutable by fingerprint."""
        from engine.model.meaning import fingerprint

        return fingerprint(self)

    # -- precomputed ------------------------------------------------------------------
    @cached_property
    def _ancestors(self) -> Mapping[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for sid, st in self.states.items():  # document order: parents come first
            out[sid] = () if st.parent is None else (st.parent, *out[st.parent])
        return out

    @cached_property
    def _ancestor_sets(self) -> Mapping[str, frozenset[str]]:
        return {sid: frozenset(a) for sid, a in self._ancestors.items()}

    def __repr__(self) -> str:
        return f"Chart({self.id!r} v{self.version}, {len(self.states) - 1} states)"
