"""Big charts in pieces: an overview with compound states collapsed, and one diagram per
compound state showing what is inside it.

:func:`focus` draws the states inside one state (the root for the overview), opening
compound and parallel states level by level while the drawing stays small
(:data:`BUDGET` states); each state left closed is one box that links to its own diagram.
Transitions keep their labels; their ends move to the box that holds them, and
transitions inside a closed box are left to that box's diagram. In a compound state's
diagram, the states outside it that transitions lead to or come from are drawn dashed,
as where the flow continues, linking to the diagram that shows them.
"""

from __future__ import annotations

from dataclasses import replace

from renderers.diagram import Diagram, DiagramEdge, DiagramNode
from renderers.style import MUTED, Decorations, Mark

__all__ = ["BUDGET", "VIEWER", "focus", "openable", "piece_name"]

ROOT = ""
#: how many states a piece may show before its compound states stay closed
BUDGET = 24
OPEN_MARK = " \u25b8"  # a small triangle: "opens its own diagram"
#: the suffix of a piece's page with pan and zoom
VIEWER = ".diagram.html"


def openable(d: Diagram) -> list[str]:
    """The states with a diagram of their own: compound and parallel states, in order."""
    return [n.id for n in d.nodes.values() if n.id and n.is_cluster]


def piece_name(chart_id: str, state_id: str) -> str:
    """The file stem of a piece: ``order`` for the overview, ``order--x.y`` for state x.y
    (``.svg`` the diagram, ``.diagram.html`` its page with pan and zoom, where links lead)."""
    return chart_id if state_id == ROOT else f"{chart_id}--{state_id}"


def _expansion(d: Diagram, focus_id: str, budget: int) -> set[str]:
    """The states to draw open: the focus, then level by level while within budget."""
    opened = {focus_id}
    shown = len(d.nodes[focus_id].children)
    level = [c for c in d.nodes[focus_id].children if d.nodes[c].is_cluster]
    while level:
        nxt = []
        for cid in level:
            extra = len(d.nodes[cid].children)
            if shown + extra > budget:
                continue
            opened.add(cid)
            shown += extra
            nxt += [c for c in d.nodes[cid].children if d.nodes[c].is_cluster]
        level = nxt
    return opened


def _representative(d: Diagram, node_id: str, focus_id: str, opened: set[str]) -> str:
    """The node that stands for ``node_id`` in the diagram of ``focus_id``."""
    if d.contains(focus_id, node_id):
        rep = node_id
        walker = node_id
        while walker != focus_id:
            parent = d.nodes[walker].parent or ROOT
            if parent != focus_id and parent not in opened:
                rep = parent  # hidden in a closed box: the highest closed one wins
            walker = parent
        return rep
    rep = node_id  # outside: the highest ancestor that is not around the focused state
    while True:
        above = d.nodes[rep].parent
        if above is None or d.contains(above, focus_id):
            return rep
        rep = above


def _back(d: Diagram, node_id: str) -> str:
    """The diagram an outside state links to: its own, or its nearest openable ancestor's."""
    back = node_id if d.nodes[node_id].is_cluster else (d.nodes[node_id].parent or ROOT)
    while back != ROOT and not d.nodes[back].is_cluster:
        back = d.nodes[back].parent or ROOT
    return back


def focus(d: Diagram, focus_id: str = ROOT, budget: int = BUDGET) -> tuple[Diagram, Decorations]:
    """The diagram of ``focus_id`` (see the module doc) and its links and markings."""
    opened = _expansion(d, focus_id, budget)
    edges: list[DiagramEdge] = []
    outside: set[str] = set()
    for e in d.edges:
        ends = (e.source, *e.targets)
        if not any(d.contains(focus_id, x) for x in ends):
            continue
        source = _representative(d, e.source, focus_id, opened)
        targets = tuple(dict.fromkeys(_representative(d, t, focus_id, opened) for t in e.targets))
        hidden = source != e.source
        if hidden and (not e.targets or (targets == (source,) and e.targets != (e.source,))):
            continue  # inside a closed box: its own diagram shows it
        outside.update(x for x in (source, *targets) if not d.contains(focus_id, x))
        edges.append(replace(e, source=source, targets=targets))
    nodes: dict[str, DiagramNode] = {}
    marks: dict[str, Mark] = {}
    root, target = d.nodes[ROOT], d.nodes[focus_id]
    others = tuple(sorted(outside, key=lambda n: d.nodes[n].order))
    if focus_id == ROOT:
        nodes[ROOT] = root
    else:
        nodes[ROOT] = replace(root, children=(focus_id, *others), initial=())
        nodes[focus_id] = replace(target, parent=ROOT)
    todo = list(target.children)
    while todo:
        node = d.nodes[todo.pop()]
        if node.is_cluster and node.id not in opened:
            marks[node.id] = Mark(url=piece_name(d.chart_id, node.id) + VIEWER)
            node = replace(
                node, children=(), initial=(), label=(node.label or node.name) + OPEN_MARK
            )
        else:
            todo += node.children
        nodes[node.id] = node
    for oid in others:
        node = d.nodes[oid]
        nodes[oid] = replace(node, parent=ROOT, children=(), initial=())
        url = piece_name(d.chart_id, _back(d, oid)) + VIEWER
        marks[oid] = Mark(color=MUTED, fontcolor=MUTED, style="dashed,rounded", url=url)
    title = d.title if focus_id == ROOT else f"{d.title}: {target.label or target.name}"
    shown = Diagram(d.chart_id, d.version, title, nodes, tuple(edges), d.description)
    return shown, Decorations(nodes=marks)
