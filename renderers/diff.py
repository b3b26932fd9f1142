"""Semantic diff of two versions of a chart: one diagram in colours, and a changelog.

States are matched by id. Transitions are matched by source state, events and their
rank among the transitions of that source with the same events (``cancel.order`` #1,
#2, ...), so reordering unrelated transitions does not show as a change. What counts
as a change of a transition: targets, guard, timer, manual label, roles and the audit
note, the trigger, the actions. Of a state: kind, label, queue, code, tags, parent,
initial state, history, terminal, tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from engine.model import ROOT, Chart
from renderers.diagram import Diagram, DiagramEdge, DiagramNode, build_diagram
from renderers.style import Decorations, Mark

__all__ = ["Change", "ChangeKind", "ChartDiff", "diff_charts"]

ADDED, REMOVED, CHANGED = "#16a34a", "#dc2626", "#ea580c"


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class Change:
    """One added, removed or changed state or transition, with what changed."""

    kind: ChangeKind
    subject: str  # "state" | "transition"
    name: str  # the state id, or "source --events--> targets"
    details: tuple[str, ...] = ()


_EdgeKey = tuple[str, tuple[str, ...], int]


def _edge_keys(d: Diagram) -> dict[_EdgeKey, DiagramEdge]:
    seen: dict[tuple[str, tuple[str, ...]], int] = {}
    out: dict[_EdgeKey, DiagramEdge] = {}
    for e in d.edges:
        base = (e.source, e.events)
        seen[base] = seen.get(base, 0) + 1
        out[(e.source, e.events, seen[base])] = e
    return out


def _describe(e: DiagramEdge) -> str:
    on = e.timer or ", ".join(e.events) or "always"
    to = ", ".join(e.targets) or "(stays)"
    return f"`{e.source or '(chart)'}` --{on}--> `{to}`"


def _compare(
    pairs: list[tuple[str, Callable[[object], object]]], old: object, new: object
) -> tuple[str, ...]:
    details = []
    for what, get in pairs:
        a, b = get(old), get(new)
        if a != b:
            if what == "guard":  # compared in normal form, shown as written
                a, b = getattr(old, "guard", a), getattr(new, "guard", b)
            details.append(_explain(what, a, b))
    return tuple(details)


def _show(value: object) -> str:
    if value in (None, "", ()):
        return "none"
    if isinstance(value, tuple):
        return ", ".join(f"`{v}`" for v in value)
    return f"`{value}`"


#: fields whose changes read best as "added x; removed y"
_SETS = ("roles", "tags", "tasks", "actions")


def _explain(what: str, old: object, new: object) -> str:
    if what in _SETS and isinstance(old, tuple) and isinstance(new, tuple) and old and new:
        added = [v for v in new if v not in old]
        removed = [v for v in old if v not in new]
        if added or removed:
            parts = []
            if added:
                parts.append("added " + _show(tuple(added)))
            if removed:
                parts.append("removed " + _show(tuple(removed)))
            return f"{what}: " + "; ".join(parts)
    return f"{what} changed from {_show(old)} to {_show(new)}"


_STATE_FIELDS: list[tuple[str, Callable[[object], object]]] = [
    (f, (lambda name: lambda n: getattr(n, name))(attr))
    for f, attr in (
        ("kind", "kind"),
        ("label", "label"),
        ("queue", "queue"),
        ("code", "code"),
        ("tags", "tags"),
        ("parent", "parent"),
        ("initial state", "initial"),
        ("history", "history"),
        ("terminal", "terminal"),
        ("tasks", "invokes"),
    )
]
_EDGE_FIELDS: list[tuple[str, Callable[[object], object]]] = [
    (f, (lambda name: lambda e: getattr(e, name))(attr))
    for f, attr in (
        ("target", "targets"),
        ("guard", "guard_norm"),  # written differently, same guard: no change
        ("timer", "timer"),
        ("trigger", "trigger"),
        ("manual action", "manual_label"),
        ("audit note required", "note_required"),
        ("actions", "actions"),
    )
] + [("roles", lambda e: tuple(sorted(getattr(e, "roles"))))]  # noqa: B009


@dataclass(frozen=True)
class ChartDiff:
    """What changed from ``old`` to ``new``; ``merged`` holds both for one diagram."""

    old: Diagram
    new: Diagram
    states: tuple[Change, ...]
    transitions: tuple[Change, ...]
    merged: Diagram
    decorations: Decorations

    @property
    def empty(self) -> bool:
        return not self.states and not self.transitions

    def changelog(self) -> str:
        """A plain-language Markdown list of the changes."""
        head = f"## {self.new.chart_id}: version {self.old.version} → {self.new.version}\n\n"
        if self.empty:
            return head + "No changes to states or transitions.\n"
        lines = []
        for change in (*self.states, *self.transitions):
            what = "State" if change.subject == "state" else "Transition"
            name = f"`{change.name}`" if change.subject == "state" else change.name
            line = f"- {what} {name} {change.kind.value}"
            if change.details:
                line += ": " + "; ".join(change.details)
            lines.append(line + ".")
        return head + "\n".join(lines) + "\n"


def _merge(
    old: Diagram, new: Diagram, removed_states: list[str], removed_edges: list[DiagramEdge]
) -> Diagram:
    nodes: dict[str, DiagramNode] = dict(new.nodes)
    for sid in removed_states:  # document order: a removed parent comes before its children
        node = old.node(sid)
        parent = node.parent if node.parent in nodes else ROOT
        nodes[sid] = replace(node, parent=parent, children=(), initial=())
        p = nodes[parent]
        nodes[parent] = replace(p, children=(*p.children, sid))
    edges = list(new.edges)
    edges.extend(replace(e, id=f"old-{e.id}") for e in removed_edges)
    return Diagram(new.chart_id, new.version, new.title, nodes, tuple(edges), new.description)


def diff_charts(old: Chart | Diagram, new: Chart | Diagram) -> ChartDiff:
    """Compare two versions of a chart (usually the same id, consecutive versions)."""
    a = old if isinstance(old, Diagram) else build_diagram(old)
    b = new if isinstance(new, Diagram) else build_diagram(new)
    states: list[Change] = []
    node_marks: dict[str, Mark] = {}
    for sid, node in b.nodes.items():
        if sid == ROOT:
            continue
        if sid not in a.nodes:
            states.append(Change(ChangeKind.ADDED, "state", sid))
            node_marks[sid] = Mark(color=ADDED, penwidth=2.5, fontcolor=ADDED, note="added")
        elif details := _compare(_STATE_FIELDS, a.node(sid), node):
            states.append(Change(ChangeKind.CHANGED, "state", sid, details))
            node_marks[sid] = Mark(color=CHANGED, penwidth=2.5, note="changed")
    removed_states = [sid for sid in a.nodes if sid != ROOT and sid not in b.nodes]
    for sid in removed_states:
        states.append(Change(ChangeKind.REMOVED, "state", sid))
        node_marks[sid] = Mark(
            color=REMOVED,
            penwidth=2.0,
            style="dashed,rounded,filled",
            fontcolor=REMOVED,
            note="removed",
        )
    old_edges, new_edges = _edge_keys(a), _edge_keys(b)
    transitions: list[Change] = []
    edge_marks: dict[str, Mark] = {}
    for key, e in new_edges.items():
        if key not in old_edges:
            transitions.append(Change(ChangeKind.ADDED, "transition", _describe(e)))
            edge_marks[e.id] = Mark(color=ADDED, penwidth=2.5, note="added")
        elif details := _compare(_EDGE_FIELDS, old_edges[key], e):
            transitions.append(Change(ChangeKind.CHANGED, "transition", _describe(e), details))
            edge_marks[e.id] = Mark(color=CHANGED, penwidth=2.5, note="changed")
    removed_edges = [e for key, e in old_edges.items() if key not in new_edges]
    for e in removed_edges:
        transitions.append(Change(ChangeKind.REMOVED, "transition", _describe(e)))
        edge_marks[f"old-{e.id}"] = Mark(
            color=REMOVED, penwidth=2.0, style="dashed", note="removed"
        )
    merged = _merge(a, b, removed_states, removed_edges)
    decorations = Decorations(
        nodes=node_marks,
        edges=edge_marks,
        legend=((ADDED, "added"), (REMOVED, "removed"), (CHANGED, "changed")),
        dim=True,
        caption=f"Changes from version {a.version} to {b.version}",
    )
    return ChartDiff(a, b, tuple(states), tuple(transitions), merged, decorations)
