"""Which events can enter or leave a state: what its entry and exit actions may read.

Entry actions run in the microstep of the transition that enters the state, exit actions
in that of the transition that leaves it, so ``event`` there is that transition's event.
This module follows the entry and exit sets of W3C SCXML (``computeEntrySet``,
``computeExitSet``) over the chart's structure, without a configuration, so each answer
is a safe over-approximation: every event that *can* enter (or leave) the state, and
:data:`NO_EVENT` when the state can also be entered without one (at the start, or by an
automatic transition). The loader types ``event`` in those actions as the data fields all
these events declare, so ``event.x`` is only allowed when every way in carries ``x``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from engine.model import ROOT, StateKind, Transition, TransitionKind

__all__ = ["NO_EVENT", "EventFlow", "Shape"]

#: Marks a way in or out without an event (the start, an automatic transition).
NO_EVENT = ""


@dataclass(frozen=True, slots=True)
class Shape:
    """The structure the analysis needs: parents, kinds, children, initial targets and
    history defaults, by state id (the root is ``""``)."""

    parent: Mapping[str, str | None]
    kind: Mapping[str, StateKind]
    children: Mapping[str, tuple[str, ...]]
    initial: Mapping[str, tuple[str, ...]]
    history_default: Mapping[str, tuple[str, ...]]


class EventFlow:
    """``entering(state)`` and ``leaving(state)``: event descriptors (or :data:`NO_EVENT`)."""

    def __init__(self, shape: Shape, transitions: Iterable[Transition]) -> None:
        self.shape = shape
        self.transitions = [t for t in transitions if t.targets]
        self._ancestors: dict[str, tuple[str, ...]] = {}
        self._closure: dict[str, frozenset[str]] = {}
        self._domains: dict[int, str] = {}
        self._entering: dict[str, set[str]] | None = None

    # -- structure ---------------------------------------------------------------------
    def ancestors(self, sid: str) -> tuple[str, ...]:
        """Proper ancestors, nearest first, ending with the root."""
        found = self._ancestors.get(sid)
        if found is None:
            parent = self.shape.parent.get(sid)
            found = () if parent is None else (parent, *self.ancestors(parent))
            self._ancestors[sid] = found
        return found

    def _is_descendant(self, sid: str, ancestor: str) -> bool:
        return ancestor in self.ancestors(sid)

    def _lcca(self, states: list[str]) -> str:
        head, tail = states[0], states[1:]
        for anc in self.ancestors(head):
            if (anc == ROOT or self.shape.kind[anc] is StateKind.COMPOUND) and all(
                self._is_descendant(s, anc) for s in tail
            ):
                return anc
        return ROOT

    def domain(self, t: Transition) -> str:
        """``getTransitionDomain`` with history targets taken as they are (a higher domain,
        so more states entered and left: the safe side)."""
        key = id(t)
        found = self._domains.get(key)
        if found is None:
            source = t.source
            if (
                t.kind is TransitionKind.INTERNAL
                and self.shape.kind.get(source) is StateKind.COMPOUND
                and all(self._is_descendant(s, source) for s in t.targets)
            ):
                found = source
            else:
                found = self._lcca([source, *t.targets])
            self._domains[key] = found
        return found

    def _regions(self, sid: str) -> tuple[str, ...]:
        return tuple(
            c
            for c in self.shape.children.get(sid, ())
            if self.shape.kind[c] is not StateKind.HISTORY
        )

    def _descendants(self, sid: str, out: set[str]) -> None:
        for c in self.shape.children.get(sid, ()):
            out.add(c)
            self._descendants(c, out)

    def closure(self, sid: str) -> frozenset[str]:
        """``addDescendantStatesToEnter``: the state and what entering it enters by default.

        A history state stands for its default and for anything it may restore (every
        descendant of its parent).
        """
        found = self._closure.get(sid)
        if found is not None:
            return found
        self._closure[sid] = frozenset({sid})  # a guard against cycles through history
        out: set[str] = {sid}
        kind = self.shape.kind[sid]
        if kind is StateKind.HISTORY:
            parent = self.shape.parent.get(sid) or ROOT
            for target in self.shape.history_default.get(sid, ()):
                out |= self.closure(target)
                self._ancestors_to_enter(target, parent, out)
            self._descendants(parent, out)
        elif kind is StateKind.COMPOUND:
            for target in self.shape.initial.get(sid, ()):
                out |= self.closure(target)
                self._ancestors_to_enter(target, sid, out)
        elif kind is StateKind.PARALLEL:
            for region in self._regions(sid):
                out |= self.closure(region)
        found = frozenset(out)
        self._closure[sid] = found
        return found

    def _ancestors_to_enter(self, sid: str, upto: str, out: set[str]) -> None:
        """``addAncestorStatesToEnter``: the ancestors below ``upto``, regions filled."""
        for anc in self.ancestors(sid):
            if anc in (upto, ROOT):
                break
            out.add(anc)
            if self.shape.kind[anc] is StateKind.PARALLEL:
                for region in self._regions(anc):
                    out |= self.closure(region)

    def _coexist(self, a: str, b: str) -> bool:
        """Can ``a`` and ``b`` be active at the same time?"""
        if a == b or self._is_descendant(a, b) or self._is_descendant(b, a):
            return True
        common = next(x for x in self.ancestors(a) if x == ROOT or self._is_descendant(b, x))
        return self.shape.kind.get(common) is StateKind.PARALLEL

    # -- the answers -------------------------------------------------------------------
    def _compute_entering(self) -> dict[str, set[str]]:
        entering: dict[str, set[str]] = {}
        start: set[str] = set()
        for target in self.shape.initial.get(ROOT, ()):
            start |= self.closure(target)
            self._ancestors_to_enter(target, ROOT, start)
        for sid in start:
            entering.setdefault(sid, set()).add(NO_EVENT)
        for t in self.transitions:
            domain = self.domain(t)
            entered: set[str] = set()
            for target in t.targets:
                entered |= self.closure(target)
                self._ancestors_to_enter(target, domain, entered)
            events = t.events or (NO_EVENT,)
            for sid in entered:
                entering.setdefault(sid, set()).update(events)
        return entering

    def entering(self, sid: str) -> frozenset[str]:
        """The descriptors of the events that can enter ``sid`` (:data:`NO_EVENT` for none)."""
        if self._entering is None:
            self._entering = self._compute_entering()
        return frozenset(self._entering.get(sid, ()))

    def leaving(self, sid: str) -> frozenset[str]:
        """The descriptors of the events whose transitions can exit ``sid``."""
        out: set[str] = set()
        for t in self.transitions:
            if self._is_descendant(sid, self.domain(t)) and self._coexist(sid, t.source):
                out.update(t.events or (NO_EVENT,))
        return frozenset(out)
