"""The chart as a graph: a reusable networkx projection for the analysis and the renderers.

One node per state (the implicit root ``""`` included), keyed by state id, with the
attributes ``kind`` (:class:`~engine.model.StateKind`), ``name``, ``label``, ``depth``,
``parent`` and ``state`` (the :class:`~engine.model.State` itself).

Edges carry ``kind`` (:class:`EdgeKind`):

* ``transition``: one edge per (transition, target), from the transition's source; a
  targetless transition is a self-loop with ``targetless=True``. Attributes: ``events``,
  ``event`` (the events joined with ``", "``, ``""`` when eventless), ``trigger``,
  ``guard`` (text or ``None``), ``order``, ``transition``.
* ``initial``: compound state -> its initial child (entering it continues there; so does
  a transition that targets it);
* ``region``: parallel state -> each region;
* ``history``: history state -> its default target(s);
* ``within``: child -> parent. Being in a state means being in its ancestors, so their
  transitions can fire from any descendant. Renderers that draw nesting as clusters
  skip these edges (see :func:`structural_edges`).

Entry and ``within`` edges have ``events=()``, ``guard=None``, ``trigger=None`` and
``transition=None``.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Any

import networkx as nx

from engine.model import Chart, State, StateKind, Transition

__all__ = ["EdgeKind", "chart_graph", "structural_edges", "transition_edges"]


class EdgeKind(StrEnum):
    TRANSITION = "transition"
    INITIAL = "initial"
    REGION = "region"
    HISTORY = "history"
    WITHIN = "within"


def _transition_attrs(t: Transition, targetless: bool) -> dict[str, Any]:
    return {
        "kind": EdgeKind.TRANSITION,
        "events": t.events,
        "event": ", ".join(t.events),
        "trigger": t.trigger,
        "guard": t.guard.text if t.guard is not None else None,
        "order": t.order,
        "transition": t,
        "targetless": targetless,
    }


def _structural(kind: EdgeKind) -> dict[str, Any]:
    return {
        "kind": kind,
        "events": (),
        "event": "",
        "trigger": None,
        "guard": None,
        "order": 0,
        "transition": None,
        "targetless": False,
    }


def _add_entry_edges(g: nx.MultiDiGraph, state: State) -> None:
    if state.kind is StateKind.COMPOUND:
        for child in state.initial:
            g.add_edge(state.id, child, **_structural(EdgeKind.INITIAL))
    elif state.kind is StateKind.PARALLEL:
        for child in state.children:
            if g.nodes[child]["kind"] is not StateKind.HISTORY:
                g.add_edge(state.id, child, **_structural(EdgeKind.REGION))


def chart_graph(chart: Chart) -> nx.MultiDiGraph:
    """The chart as a multigraph; see the module docstring for node and edge attributes."""
    g = nx.MultiDiGraph(chart=chart.id, version=chart.version)
    for state in chart.states.values():
        g.add_node(
            state.id,
            kind=state.kind,
            name=state.name,
            label=state.label,
            depth=state.depth,
            parent=state.parent,
            state=state,
        )
    for state in chart.states.values():
        if state.parent is not None:
            g.add_edge(state.id, state.parent, **_structural(EdgeKind.WITHIN))
        _add_entry_edges(g, state)
        for t in state.transitions:
            if state.is_history:
                for target in t.targets:
                    g.add_edge(state.id, target, **_structural(EdgeKind.HISTORY))
            elif t.targetless:
                g.add_edge(state.id, state.id, **_transition_attrs(t, True))
            else:
                for target in t.targets:
                    g.add_edge(state.id, target, **_transition_attrs(t, False))
    return g


def transition_edges(g: nx.MultiDiGraph) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(source, target, attrs)`` of every transition edge, in insertion order."""
    for u, v, data in g.edges(data=True):
        if data["kind"] is EdgeKind.TRANSITION:
            yield u, v, data


def structural_edges(g: nx.MultiDiGraph) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(source, target, attrs)`` of every entry edge (initial, region, history)."""
    for u, v, data in g.edges(data=True):
        if data["kind"] in (EdgeKind.INITIAL, EdgeKind.REGION, EdgeKind.HISTORY):
            yield u, v, data
