"""Overlays from plain history records: one instance's path, or a heat map of many.

The records are plain values (:class:`HistoryRecord`), not the store's rows: whatever
keeps the audit trail (the SQL store, ``statewise history --json``, a test) hands them
over as a list. An overlay is a :class:`~renderers.style.Decorations` value that the DOT
renderer applies to the chart's diagram.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.model import matches
from renderers.diagram import TIMES, Diagram, DiagramEdge
from renderers.style import Decorations, Mark

__all__ = [
    "HistoryRecord",
    "PathMarks",
    "format_duration",
    "heat_map",
    "load_histories",
    "load_history",
    "match_edges",
    "path_marks",
    "path_overlay",
]

PATH = "#e11d48"
CURRENT_FILL = "#fde047"
VISITED_FILL = "#fef9c3"
CURRENT_BORDER = "#a16207"
VISITED_BORDER = "#ca8a04"
HEAT = ("#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000")


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    """One step of an instance: the event, the configurations before and after, when.

    ``from_states`` and ``to_states`` are state ids (atomic states are enough; their
    ancestors are implied). An eventless step has the event ``""``.
    """

    event: str
    from_states: tuple[str, ...]
    to_states: tuple[str, ...]
    time: dt.datetime

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HistoryRecord:
        """From ``{"event", "from_states", "to_states", "time"}`` (``from``/``to`` also work)."""
        time = data["time"]
        if isinstance(time, str):
            time = dt.datetime.fromisoformat(time.replace("Z", "+00:00"))
        return cls(
            event=str(data.get("event") or ""),
            from_states=tuple(data.get("from_states", data.get("from", ()))),
            to_states=tuple(data.get("to_states", data.get("to", ()))),
            time=time,
        )


def load_history(text: str) -> list[HistoryRecord]:
    """A JSON list of records (or an object with a ``history`` list)."""
    data = json.loads(text)
    if isinstance(data, dict):
        data = data.get("history", data.get("records", []))
    if not isinstance(data, list):
        raise ValueError("expected a JSON list of history records")
    return [HistoryRecord.from_json(item) for item in data]


def load_histories(text: str) -> list[list[HistoryRecord]]:
    """Many instances: a JSON list of record lists, or an object mapping id -> records."""
    data = json.loads(text)
    groups = list(data.values()) if isinstance(data, dict) else data
    if not isinstance(groups, list) or not all(isinstance(g, list) for g in groups):
        raise ValueError("expected a JSON list of record lists, or an object of them")
    return [[HistoryRecord.from_json(item) for item in group] for group in groups]


def _closure(diagram: Diagram, states: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for s in states:
        if s in diagram.nodes:
            out.add(s)
            out.update(diagram.ancestors(s))
    return out


def _reaches(diagram: Diagram, target: str, after: set[str]) -> bool:
    node = diagram.node(target)
    if node.history is not None:  # a history state leads back into its parent
        return node.parent in after
    return target in after


def _eventless_path(
    diagram: Diagram, start: list[str], after: set[str], depth: int = 4
) -> list[DiagramEdge]:
    """Eventless transitions leading from ``start`` (states just entered) into ``after``:
    what a step took through transient states such as a routing choice."""
    frontier: list[tuple[str, list[DiagramEdge]]] = [(s, []) for s in start]
    for _ in range(depth):
        nxt: list[tuple[str, list[DiagramEdge]]] = []
        for state, path in frontier:
            here = _closure(diagram, [state])
            for e in diagram.edges:
                if e.events or not e.targets or e.source not in here or e in path:
                    continue
                if all(_reaches(diagram, t, after) for t in e.targets):
                    return [*path, e]
                nxt.extend((t, [*path, e]) for t in e.targets)
        frontier = nxt
    return []


def match_edges(diagram: Diagram, record: HistoryRecord) -> list[DiagramEdge]:
    """The transitions a record most likely took: one per source (inner sources first),
    plus the eventless transitions it went on through when it ended elsewhere."""
    before, after = _closure(diagram, record.from_states), _closure(diagram, record.to_states)
    eventless = not record.event or record.event == "always"

    def triggered(e: DiagramEdge) -> bool:
        if e.source not in before:
            return False
        return not e.events if eventless else any(matches(d, record.event) for d in e.events)

    def fits(e: DiagramEdge) -> bool:
        return triggered(e) and all(_reaches(diagram, t, after) for t in e.targets)

    chosen: dict[str, DiagramEdge] = {}
    for test in (fits, triggered):  # the exact fit first, else where the event led on from
        for e in diagram.edges:
            if e.source not in chosen and test(e):
                chosen[e.source] = e
        if chosen:
            break
    inner = [
        e
        for e in chosen.values()
        if not any(s != e.source and e.source in diagram.ancestors(s) for s in chosen)
    ]
    onward: list[DiagramEdge] = []
    for e in inner:
        missing = [t for t in e.targets if not _reaches(diagram, t, after)]
        if missing:
            onward.extend(x for x in _eventless_path(diagram, missing, after) if x not in onward)
    return inner + onward


def format_duration(seconds: float) -> str:
    """``2d 3h``, ``5h 10m``, ``12m``, ``40s``."""
    s = round(seconds)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return f"{s}s"


@dataclass(frozen=True, slots=True)
class PathMarks:
    """Where one instance has been: the states visited, where it is now (``current``: every
    active state; ``leaves``: the innermost ones), and the step numbers of each transition
    it took (diagram edge id -> steps)."""

    visited: frozenset[str]
    current: frozenset[str]
    leaves: frozenset[str]
    steps: Mapping[str, tuple[int, ...]]


def path_marks(
    diagram: Diagram,
    history: Sequence[HistoryRecord],
    current: Iterable[str] | None = None,
) -> PathMarks:
    """The path of one instance over ``diagram`` (see :func:`path_overlay`)."""
    steps: dict[str, list[int]] = {}
    visited: set[str] = set()
    for n, record in enumerate(history, start=1):
        visited |= _closure(diagram, record.from_states) | _closure(diagram, record.to_states)
        for e in match_edges(diagram, record):
            steps.setdefault(e.id, []).append(n)
            visited |= _closure(diagram, [e.source, *e.targets])
    now_states = (
        list(current) if current is not None else (list(history[-1].to_states) if history else [])
    )
    now = _closure(diagram, now_states)
    leaves = {s for s in now if not any(o != s and s in diagram.ancestors(o) for o in now)}
    return PathMarks(
        frozenset(visited),
        frozenset(now),
        frozenset(leaves),
        {eid: tuple(ns) for eid, ns in steps.items()},
    )


def path_overlay(
    diagram: Diagram,
    history: Sequence[HistoryRecord],
    current: Iterable[str] | None = None,
) -> Decorations:
    """Highlight the path one instance took and where it is now.

    Taken transitions are drawn thick with their step numbers; visited states are
    tinted; the current configuration (``current``, else the last record's
    ``to_states``) is filled; everything else is greyed out.
    """
    marks = path_marks(diagram, history, current)
    now, leaves = marks.current, marks.leaves
    nodes: dict[str, Mark] = {}
    for s in marks.visited | now:
        if diagram.node(s).is_cluster:  # a border, not a fill: clusters hold the rest
            width = 3.0 if s in now else 2.0
            nodes[s] = Mark(color=CURRENT_BORDER if s in now else VISITED_BORDER, penwidth=width)
        elif s in leaves:
            nodes[s] = Mark(fill=CURRENT_FILL, color=CURRENT_BORDER, penwidth=3.0, note="current")
        else:
            nodes[s] = Mark(fill=VISITED_FILL, color=VISITED_BORDER)
    edges = {
        eid: Mark(color=PATH, penwidth=3.0, note="#" + ", #".join(map(str, ns)))
        for eid, ns in marks.steps.items()
    }
    span = ""
    if history:
        span = f", {history[0].time:%Y-%m-%d %H:%M} to {history[-1].time:%Y-%m-%d %H:%M}"
    return Decorations(
        nodes=nodes,
        edges=edges,
        dim=True,
        legend=(
            (PATH, "path taken (#step)"),
            (CURRENT_FILL, "current state"),
            (VISITED_FILL, "visited"),
        ),
        caption=f"Instance path: {len(history)} steps{span}",
    )


def _dwell_times(diagram: Diagram, history: Sequence[HistoryRecord]) -> dict[str, list[float]]:
    """Seconds spent in each state, from its entry record to its exit record."""
    entered: dict[str, dt.datetime] = {}
    out: dict[str, list[float]] = {}
    for record in history:
        before = _closure(diagram, record.from_states)
        after = _closure(diagram, record.to_states)
        for s in before - after:
            if s in entered:
                out.setdefault(s, []).append((record.time - entered.pop(s)).total_seconds())
        for s in after - before:
            entered[s] = record.time
    return out


def heat_map(diagram: Diagram, histories: Iterable[Sequence[HistoryRecord]]) -> Decorations:
    """How many instances took each transition (edge width and colour) and the median
    time spent in each state (node note), from the audit trail of many instances."""
    taken: dict[str, int] = {}
    visits: dict[str, int] = {}
    dwell: dict[str, list[float]] = {}
    count = 0
    for history in histories:
        count += 1
        seen_edges: set[str] = set()
        seen_states: set[str] = set()
        for record in history:
            seen_states |= _closure(diagram, record.to_states) | _closure(
                diagram, record.from_states
            )
            seen_edges.update(e.id for e in match_edges(diagram, record))
        for eid in seen_edges:
            taken[eid] = taken.get(eid, 0) + 1
        for s in seen_states:
            visits[s] = visits.get(s, 0) + 1
        for s, times in _dwell_times(diagram, history).items():
            dwell.setdefault(s, []).extend(times)
    top = max(taken.values(), default=1)
    edges = {}
    for eid, n in taken.items():
        bucket = min(len(HEAT) - 1, int((n / top) * len(HEAT) - 1e-9))
        edges[eid] = Mark(color=HEAT[bucket], penwidth=1.0 + 6.0 * n / top, note=f"{TIMES}{n}")
    nodes = {}
    for s, n in visits.items():
        if not s:
            continue
        note = f"{n} instance{'s' if n != 1 else ''}"
        if dwell.get(s):
            note += f" · median {format_duration(statistics.median(dwell[s]))}"
        nodes[s] = Mark(note=note)
    return Decorations(
        nodes=nodes,
        edges=edges,
        dim=True,
        legend=((HEAT[-1], "transition taken (width: how many instances)"),),
        caption=f"Heat map: {count} instance{'s' if count != 1 else ''}",
    )
