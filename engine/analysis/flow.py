"""The flow graph: what entering, being in and completing states leads to.

The projection (:mod:`engine.analysis.graph`) has one node per state; reachability needs
to tell apart *entering* a state (which continues into its initial child or its regions)
from *being in* it (which lets its own and its ancestors' transitions fire). So each state
``s`` becomes up to three nodes:

* ``("enter", s)``: ``s`` is entered by default: leads to ``("active", s)`` and to the
  default entry of its initial child, its regions or (for a history state) its defaults;
* ``("active", s)``: ``s`` is active: leads to ``("active", parent)`` and to each of its
  live transitions;
* ``("done", s)``: ``s`` has completed (``done.state.s``): for a compound state, one of its
  final children is active; for a parallel state, every region has completed (added only
  when each region, once entered, can reach its end on its own);

and each transition ``t`` one node ``("t", source, order)`` leading to ``("enter", target)``
for its targets, to the default entry of the regions its targets make active, and (for a
targetless transition) back to ``("active", source)``. A transition whose events are all
``done.state.X`` hangs off ``("done", X)`` instead of ``("active", source)``.

``("done", "")`` (the root has completed) is the goal: a top-level final state, or any
state marked ``terminal: true``, leads to it. ``("enter", "")`` is the start.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import networkx as nx

from engine.analysis.graph import EdgeKind
from engine.model import ROOT, Chart, Transition, TransitionKind

__all__ = ["Flow", "Node", "active", "build_flow", "default_regions", "done", "enter"]

Node = tuple[str, ...]
_DONE_STATE = "done.state."


def enter(sid: str) -> Node:
    return ("enter", sid)


def active(sid: str) -> Node:
    return ("active", sid)


def done(sid: str) -> Node:
    return ("done", sid)


def _tnode(t: Transition) -> Node:
    return ("t", t.source, str(t.order))


@dataclass(frozen=True, slots=True)
class Flow:
    graph: nx.DiGraph
    transitions: dict[Node, Transition]
    start: Node = ("enter", ROOT)
    goal: Node = ("done", ROOT)


def _regions(chart: Chart, sid: str) -> list[str]:
    return [c for c in chart.states[sid].children if not chart.states[c].is_history]


def _domain(chart: Chart, t: Transition) -> str:
    src = chart.states[t.source]
    if (
        t.kind is TransitionKind.INTERNAL
        and src.is_compound
        and all(chart.is_descendant(x, t.source) for x in t.targets)
    ):
        return t.source
    return chart.lcca([t.source, *t.targets])


def default_regions(chart: Chart, t: Transition) -> list[str]:
    """Regions entered by default because a target sits inside a sibling region."""
    if not t.targets:
        return []
    domain = _domain(chart, t)
    on_path = set(t.targets)
    for x in t.targets:
        on_path.update(chart.ancestors(x))
    out: list[str] = []
    for x in t.targets:
        for anc in chart.ancestors(x):
            if anc == domain:
                break
            if chart.states[anc].is_parallel:
                out.extend(r for r in _regions(chart, anc) if r not in on_path and r not in out)
    return out


def _completion_sources(chart: Chart, t: Transition) -> list[str] | None:
    """The states X when every event of ``t`` is ``done.state.X``; else None."""
    out: list[str] = []
    for e in t.events:
        x = e[len(_DONE_STATE) :] if e.startswith(_DONE_STATE) else None
        if x is None or x not in chart.states or chart.states[x].is_atomic:
            return None
        out.append(x)
    return out or None


class _Builder:
    def __init__(self, chart: Chart, projection: nx.MultiDiGraph) -> None:
        self.chart = chart
        self.projection = projection
        self.g: nx.DiGraph = nx.DiGraph()
        self.edges: list[tuple[Node, Node]] = []
        self.transitions: dict[Node, Transition] = {}
        self.jumps: list[tuple[str, str]] = []  # (source, target) of every transition

    def structure(self, preempting: set[str]) -> None:
        """Entry and ``within`` edges; none out of history states (never active) or out of
        ``preempting`` states (whose own transition always wins over their ancestors')."""
        edges = self.edges
        states = self.chart.states
        for sid, state in states.items():
            if not state.is_history:
                edges.append((enter(sid), active(sid)))
        for u, v, kind in self.projection.edges(data="kind"):
            if kind is EdgeKind.WITHIN:
                if not states[u].is_history and u not in preempting:
                    edges.append((active(u), active(v)))
            elif kind is not EdgeKind.TRANSITION:  # initial, region, history default
                edges.append((enter(u), enter(v)))

    def transition(self, t: Transition, completion: bool) -> None:
        node = _tnode(t)
        edges = self.edges
        self.transitions[node] = t
        sources = _completion_sources(self.chart, t) if completion else None
        if sources is None:
            edges.append((active(t.source), node))
        else:
            edges.extend((done(x), node) for x in sources)
        if t.targetless:
            edges.append((node, active(t.source)))
        else:
            edges.extend((node, enter(x)) for x in t.targets)
            self.jumps.extend((t.source, x) for x in t.targets)
            edges.extend((node, enter(x)) for x in default_regions(self.chart, t))

    def flush(self) -> nx.DiGraph:
        self.g.add_edges_from(self.edges)
        self.edges.clear()
        return self.g

    def completion(self) -> None:
        chart = self.chart
        edges = self.edges
        for state in chart.states.values():
            parent = chart.states[state.parent] if state.parent is not None else None
            if state.is_final and parent is not None and parent.is_compound:  # root: compound
                edges.append((active(state.id), done(parent.id)))
            if state.meta.terminal and state.id != ROOT:
                edges.append((active(state.id), done(ROOT)))
        parallels = [s for s in chart.states.values() if s.is_parallel]
        for p in sorted(parallels, key=lambda s: -s.depth):  # innermost first
            self.flush()
            regions = _regions(chart, p.id)
            if regions and all(self._can_finish(r) for r in regions):
                for r in regions:
                    src = active(r) if chart.states[r].is_final else done(r)
                    edges.append((src, done(p.id)))

    def _can_finish(self, region: str) -> bool:
        """Can ``region`` reach its own end without leaving it, once it is entered?

        It may be entered by default or at any state a transition from outside targets.
        """
        if self.chart.states[region].is_final:
            return True
        chart = self.chart

        def inside(sid: str) -> bool:
            return sid == region or chart.is_descendant(sid, region)

        starts = [enter(region)]
        starts += [enter(x) for s, x in self.jumps if inside(x) and not inside(s)]
        return _bfs_finds(self.g, starts, done(region), lambda n: inside(n[1]))


def _bfs_finds(g: nx.DiGraph, starts: list[Node], goal: Node, keep: Callable[[Node], bool]) -> bool:
    seen = set(starts)
    queue = deque(starts)
    while queue:
        n = queue.popleft()
        if n == goal:
            return True
        for m in g.successors(n):
            if m not in seen and (m == goal or keep(m)):
                seen.add(m)
                queue.append(m)
    return False


def build_flow(
    chart: Chart,
    projection: nx.MultiDiGraph,
    live: Mapping[str, list[Transition]],
    *,
    eventless: bool = False,
) -> Flow:
    """The flow graph of ``chart`` over its ``live`` transitions (state id -> transitions).

    ``eventless=True`` keeps only the automatic (``always``) transitions: the graph of
    what happens on its own, without any event. There, a state with an unguarded
    automatic transition does not lead on to its parent: inner states are tried first, so
    its ancestors' automatic transitions never get their turn while it is active.
    """
    b = _Builder(chart, projection)
    preempting: set[str] = set()
    if eventless:
        preempting = {
            sid for sid, ts in live.items() if any(t.eventless and t.guard is None for t in ts)
        }
    b.structure(preempting)
    for sid, state in chart.states.items():
        if state.is_history:
            continue  # its default is an entry edge of the projection
        for t in live[sid]:
            if not eventless or t.eventless:
                b.transition(t, completion=not eventless)
    if not eventless:
        b.completion()
    return Flow(b.flush(), b.transitions)
