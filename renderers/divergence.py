"""The replay overlay: a candidate chart with the places where stored instances first part
from their history, as a heat map (``statewise replay --diagram FILE``).

The points are plain values (:class:`DivergencePoint`), not replay results: the renderers
never import the runtime or the store. Each point is one (state, event) where instances
first parted: its states are filled by how many instances parted there (the heat
palette of :func:`~renderers.overlay.heat_map`), and the transition the candidate took
there, when it took one, is drawn in the same colour, as thick as the count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from renderers.diagram import TIMES, Diagram, DiagramEdge
from renderers.overlay import HEAT, HistoryRecord, match_edges
from renderers.style import Decorations, Mark

__all__ = ["DivergencePoint", "divergence_map"]

_NO_TIME = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class DivergencePoint:
    """Instances that first part from their history at one (state, event).

    ``states``: the active leaf states there (candidate ids); ``focus``: those of them the
    step concerns (all of ``states`` when empty); ``to_states``: where the candidate went
    (empty when it refused); ``diverged`` and ``refused``: how many instances.
    """

    states: tuple[str, ...]
    event: str
    to_states: tuple[str, ...] = ()
    focus: tuple[str, ...] = ()
    diverged: int = 0
    refused: int = 0

    @property
    def count(self) -> int:
        return self.diverged + self.refused


#: state fills, lighter than the borders so the labels stay readable
FILLS = ("#fff7ec", "#fee8c8", "#fdd49e", "#fdbb84", "#fc8d59")


def _bucket(n: int, top: int) -> int:
    return min(len(HEAT) - 1, int((n / top) * len(HEAT) - 1e-9))


def _colour(n: int, top: int) -> str:
    return HEAT[_bucket(n, top)]


def _edges(diagram: Diagram, point: DivergencePoint) -> list[DiagramEdge]:
    """The transitions the candidate took: those the event fires, and, when they stay where
    they are (a targetless transition raising an event), the one that took it on from an
    active state into the states it reached."""
    record = HistoryRecord(point.event, point.states, point.to_states, _NO_TIME)
    found = match_edges(diagram, record)
    before = set(point.states)
    for s in point.states:
        before.update(diagram.ancestors(s))
    reached = {t for e in found for t in e.targets}
    new = [s for s in point.to_states if s not in point.states]

    def into_new(target: str) -> bool:
        return any(target == s or target in diagram.ancestors(s) for s in new)

    if new and not any(into_new(t) for t in reached):
        for e in diagram.edges:
            taken = e.source in before and e.targets and all(map(into_new, e.targets))
            if taken and e not in found:
                found.append(e)
                break
    return found


def _what(point: DivergencePoint) -> str:
    parts = []
    if point.diverged:
        parts.append(f"{TIMES}{point.diverged} diverge")
    if point.refused:
        parts.append(f"{TIMES}{point.refused} refused")
    return f"{' '.join(parts)} on {point.event}"


def divergence_map(
    diagram: Diagram, points: Sequence[DivergencePoint], *, replayed: int | None = None
) -> Decorations:
    """Marks for the states and transitions where instances first parted; ``replayed``
    (how many instances were replayed) goes in the caption."""
    top = max((p.count for p in points), default=1) or 1
    node_counts: dict[str, int] = {}
    node_notes: dict[str, list[str]] = {}
    edge_counts: dict[str, int] = {}
    for point in points:
        where = [s for s in (point.focus or point.states) if s in diagram.nodes]
        for state in where:
            node_counts[state] = node_counts.get(state, 0) + point.count
            node_notes.setdefault(state, []).append(_what(point))
        if point.to_states:
            for edge in _edges(diagram, point):
                edge_counts[edge.id] = edge_counts.get(edge.id, 0) + point.count
    nodes = {}
    for state, n in node_counts.items():
        bucket = _bucket(n, top)
        notes = node_notes[state]
        note = "; ".join(notes[:3]) + (f"; +{len(notes) - 3} more" if len(notes) > 3 else "")
        width = 2.0 + 3.0 * n / top
        if diagram.node(state).is_cluster:
            nodes[state] = Mark(color=HEAT[bucket], penwidth=width, note=note)
        else:
            nodes[state] = Mark(fill=FILLS[bucket], color=HEAT[bucket], penwidth=width, note=note)
    edges = {
        eid: Mark(color=_colour(n, top), penwidth=1.0 + 6.0 * n / top, note=f"{TIMES}{n}")
        for eid, n in edge_counts.items()
    }
    parted = sum(p.count for p in points)
    caption = f"Replay: {parted} instance{'s' if parted != 1 else ''} part from their history"
    if replayed is not None:
        caption += f" (of {replayed} replayed)"
    return Decorations(
        nodes=nodes,
        edges=edges,
        dim=True,
        legend=(
            (HEAT[-1], "where instances first part from their history (darker: more)"),
            (HEAT[1], "the candidate's transition there (width: how many)"),
        ),
        caption=caption,
    )
