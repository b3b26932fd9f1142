"""Graphviz DOT from the diagram projection.

Layout rules, chosen by looking at the shipped charts (see docs/diagrams.md):

* Compound and parallel states are clusters; each region of a parallel state is a
  dashed cluster inside it. A compound state's initial child is marked by a small
  filled dot inside the cluster. That dot is also the cluster's anchor for edges that
  end or start at the cluster border (``compound=true`` with ``lhead``/``ltail``).
* A transition from a compound state to one of its own descendants starts at a small
  hollow circle inside the state ("from the enclosing state").
* Transition labels are nodes of their own (``source -> label -> target``), declared in
  the innermost cluster that holds both ends, so no edge is drawn across a label.
  Transitions with the same source, target and kind share a label (one line each), and
  transitions from several states with the same label and target share one label node.
* A transition to a state earlier in the document is laid out reversed (``dir=back``),
  so the ranks follow the document order, which is the usual way through the flow.
* Targetless transitions are listed inside their state instead of being drawn as loops.
"""

from __future__ import annotations

from dataclasses import dataclass

import graphviz

from engine.model import ROOT, HistoryKind, StateKind
from renderers.diagram import Diagram, DiagramEdge, DiagramNode, EdgeCategory
from renderers.labels import caption, edge_label, final_label, node_label
from renderers.style import BORDER, CATEGORY_STYLES, DIM, FONT, MUTED, Decorations, Mark

__all__ = ["build_graph"]

_CLUSTER_FILLS = ("#ffffff", "#f8fafc", "#f1f5f9", "#e9eef5", "#e2e8f0")
_NO_MARKS = Decorations()


def _initial_id(node_id: str) -> str:
    return f"{node_id}#initial"


def _inner_id(node_id: str) -> str:
    return f"{node_id}#self"


def _tooltip(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


@dataclass(frozen=True, slots=True)
class _Group:
    """Transitions drawn through one label node: same target, kind and label text."""

    sources: tuple[str, ...]
    target: str
    category: EdgeCategory
    edges: tuple[DiagramEdge, ...]  # every transition drawn through this label
    label: str
    back: bool  # laid out reversed: the target comes earlier in the document

    @property
    def id(self) -> str:
        return "-".join(e.id for e in self.edges) + f"-{self.target}"


class _Builder:
    def __init__(
        self, diagram: Diagram, marks: Decorations, legend: bool, merge: bool, classes: bool = False
    ) -> None:
        self.d = diagram
        self.marks = marks
        self.legend = legend
        self.classes = classes
        self.internal: dict[str, list[DiagramEdge]] = {}
        for e in diagram.edges:
            if e.targetless:
                self.internal.setdefault(e.source, []).append(e)
        self.groups = self._group(merge)
        self.by_container: dict[str, list[_Group]] = {}
        for group in self.groups:
            if group.label:
                self.by_container.setdefault(self._container(group), []).append(group)
        self.inner_anchors = {
            s for g in self.groups for s in g.sources if s != g.target and self._inside(g.target, s)
        }

    # -- grouping -----------------------------------------------------------------------
    def _note(self, edges: list[DiagramEdge]) -> str | None:
        notes = [m.note for e in edges if (m := self.marks.edges.get(e.id)) and m.note]
        return " ".join(notes) if notes else None

    def _group(self, merge: bool) -> list[_Group]:
        pairs: dict[tuple[str, str, EdgeCategory, str], list[DiagramEdge]] = {}
        for e in self.d.edges:
            for target in e.targets:
                pairs.setdefault((e.source, target, e.category, "" if merge else e.id), []).append(
                    e
                )
        shared: dict[tuple[str, EdgeCategory, str, bool, str], list[tuple[str, list[DiagramEdge]]]]
        shared = {}
        for (source, target, category, single), edges in pairs.items():
            marked = any(e.id in self.marks.edges for e in edges)
            muted = DIM if self.marks.dim and not marked else None
            label = edge_label(edges, self._note(edges), muted)
            back = self.d.node(target).order < self.d.node(source).order
            alone = single or (source if not label else "")
            shared.setdefault((target, category, label, back, alone), []).append((source, edges))
        return [
            _Group(
                tuple(s for s, _ in members),
                target,
                category,
                tuple(e for _, edges in members for e in edges),
                label,
                back,
            )
            for (target, category, label, back, _), members in shared.items()
        ]

    def _inside(self, inner: str, outer: str) -> bool:
        return self.d.node(outer).is_cluster and self.d.contains(outer, inner)

    def _container(self, group: _Group) -> str:
        """The innermost cluster holding every end: where the label node is declared."""
        c = group.target
        for s in group.sources:
            c = self.d.lca(c, s)
        while c != ROOT and not self.d.node(c).is_cluster:
            c = self.d.node(c).parent or ROOT
        return c

    # -- anchors: the node an edge to or from a cluster is attached to ---------------
    def anchor(self, node_id: str) -> str:
        node = self.d.node(node_id)
        if not node.is_cluster:
            return node_id
        if node.kind is StateKind.PARALLEL:
            return self.anchor(node.children[0])
        return _initial_id(node_id)

    def _apply(self, attrs: dict[str, str], mark: Mark | None, *, fill: bool) -> None:
        if mark is None:
            if self.marks.dim:
                attrs.update(color=DIM, fontcolor=DIM)
            return
        for key, value in (
            ("color", mark.color),
            ("fillcolor", mark.fill if fill else None),
            ("penwidth", f"{mark.penwidth:g}" if mark.penwidth is not None else None),
            ("style", mark.style),
            ("fontcolor", mark.fontcolor),
            ("URL", mark.url),
            ("target", "_top" if mark.url else None),
        ):
            if value:
                attrs[key] = value

    # -- states -------------------------------------------------------------------------
    def _node_tooltip(self, node: DiagramNode) -> str:
        parts = [node.id or self.d.chart_id, str(node.kind), node.description or ""]
        return _tooltip("\n".join(p for p in parts if p))

    def state(self, g: graphviz.Digraph, node: DiagramNode) -> None:
        mark = self.marks.nodes.get(node.id)
        note = mark.note if mark else None
        attrs = {"id": f"state-{node.id}", "tooltip": self._node_tooltip(node)}
        if node.kind is StateKind.HISTORY:
            text = "H*" if node.history is HistoryKind.DEEP else "H"
            attrs.update(shape="circle", label=text, width="0.36", fixedsize="true")
            attrs.update(style="filled", fontsize="10")
        elif node.kind is StateKind.FINAL:
            attrs.update(shape="doublecircle", label=final_label(node, note), margin="0.02")
            attrs["style"] = "filled"
        else:
            attrs["label"] = node_label(node, self.internal.get(node.id, ()), note)
        self._apply(attrs, mark, fill=True)
        g.node(node.id, **attrs)
        if node.kind is StateKind.HISTORY:
            for target in node.initial:  # the default: drawn, but it does not shape the ranks
                self._structural(
                    g, node.id, target, style="dotted", color=MUTED, constraint="false"
                )

    def _structural(self, g: graphviz.Digraph, tail: str, target: str, **attrs: str) -> None:
        head = self.anchor(target)
        if head != target:
            attrs["lhead"] = f"cluster_{target}"
        g.edge(tail, head, arrowsize="0.6", weight="4", **attrs)

    def _point(self, g: graphviz.Digraph, name: str, kind: str, owner: str, fill: str) -> None:
        g.node(
            name,
            label="",
            shape="point",
            width="0.14",
            color="#000000",
            fillcolor=fill,
            id=f"{kind}-{owner}",
            tooltip=kind,
        )

    def cluster(self, g: graphviz.Digraph, node: DiagramNode, region: bool) -> None:
        mark = self.marks.nodes.get(node.id)
        style = "dashed,rounded,filled" if region else "rounded,filled"
        if node.kind is StateKind.PARALLEL:
            style = "bold,rounded,filled"
        attrs = {
            "id": f"state-{node.id}",
            "label": node_label(node, self.internal.get(node.id, ()), mark.note if mark else None),
            "labeljust": "l",
            "style": style,
            "color": BORDER,
            "fillcolor": _CLUSTER_FILLS[min(node.depth, len(_CLUSTER_FILLS) - 1)],
            "tooltip": self._node_tooltip(node),
            "margin": "10",
        }
        self._apply(attrs, mark, fill=True)
        with g.subgraph(name=f"cluster_{node.id}") as sub:
            sub.attr(**attrs)
            self.contents(sub, node)

    def contents(self, g: graphviz.Digraph, node: DiagramNode) -> None:
        if node.kind is not StateKind.PARALLEL and node.initial:
            self._point(g, _initial_id(node.id), "initial", node.id, "#000000")
            for first in node.initial:
                self._structural(g, _initial_id(node.id), first, color="#000000")
        if node.id in self.inner_anchors:
            self._point(g, _inner_id(node.id), "enclosing", node.id, "#ffffff")
        for child in self.d.children(node.id):
            if child.is_cluster:
                self.cluster(g, child, region=node.kind is StateKind.PARALLEL)
            else:
                self.state(g, child)
        for group in self.by_container.get(node.id, ()):
            self.label_node(g, group)

    # -- transitions --------------------------------------------------------------------
    def _edge_attrs(self, group: _Group, edges: tuple[DiagramEdge, ...]) -> dict[str, str]:
        style = CATEGORY_STYLES[group.category]
        attrs = {
            "color": style.color,
            "style": style.style,
            "penwidth": f"{style.penwidth:g}",
            "tooltip": _tooltip("\n\n".join(e.tooltip for e in edges)),
        }
        marks = [m for e in edges if (m := self.marks.edges.get(e.id)) is not None]
        widest = max(marks, key=lambda m: m.penwidth or 0.0) if marks else None
        self._apply(attrs, widest, fill=False)
        attrs.pop("fontcolor", None)
        if self.classes:  # the SVG element names the transitions it draws (live overlays)
            attrs["class"] = " ".join(e.id for e in edges)
        return attrs

    def label_node(self, g: graphviz.Digraph, group: _Group) -> None:
        attrs = self._edge_attrs(group, group.edges)
        g.node(
            f"label#{group.id}",
            label=group.label,
            shape="plaintext",
            style="",
            margin="0.03,0.03",
            width="0",
            height="0",
            id=f"label-{group.id}",
            tooltip=attrs["tooltip"],
            **({"class": attrs["class"]} if "class" in attrs else {}),
        )

    def _tail(self, source: str, target: str) -> tuple[str, dict[str, str]]:
        """The node a transition leaves from, and its ``ltail`` clipping."""
        if source != target and self._inside(target, source):
            return _inner_id(source), {}
        tail = self.anchor(source)
        if tail == source or self._inside(target, source) or self._inside(source, target):
            return tail, {}
        return tail, {"ltail": f"cluster_{source}"}

    def _head(self, target: str, sources: tuple[str, ...]) -> tuple[str, dict[str, str]]:
        head = self.anchor(target)
        if head == target or any(self._inside(s, target) for s in sources):
            return head, {}
        return head, {"lhead": f"cluster_{target}"}

    def transition(self, g: graphviz.Digraph, group: _Group) -> None:
        """``source -> label -> target``; a way back is declared reversed (``dir=back``)."""
        head, head_clip = self._head(group.target, group.sources)
        middle = f"label#{group.id}" if group.label else None
        for source in group.sources:
            edges = tuple(e for e in group.edges if e.source == source)
            tail, tail_clip = self._tail(source, group.target)
            attrs = self._edge_attrs(group, edges)
            attrs["id"] = f"edge-{group.id}-from-{source}"
            if middle is None:
                self._segment(g, tail, head, {**attrs, **tail_clip, **head_clip}, group.back, True)
            else:
                self._segment(g, tail, middle, {**attrs, **tail_clip}, group.back, False)
        if middle is not None:
            attrs = self._edge_attrs(group, group.edges)
            attrs["id"] = f"edge-{group.id}"
            self._segment(g, middle, head, {**attrs, **head_clip}, group.back, True)

    @staticmethod
    def _segment(
        g: graphviz.Digraph, tail: str, head: str, attrs: dict[str, str], back: bool, arrow: bool
    ) -> None:
        if not back:
            g.edge(tail, head, dir="forward" if arrow else "none", **attrs)
            return
        swapped = {"ltail": "lhead", "lhead": "ltail"}
        attrs = {swapped.get(k, k): v for k, v in attrs.items()}
        g.edge(head, tail, dir="back" if arrow else "none", **attrs)

    # -- the whole graph ----------------------------------------------------------------
    def build(self, rankdir: str) -> graphviz.Digraph:
        g = graphviz.Digraph(name=self.d.chart_id, comment=f"{self.d.chart_id} v{self.d.version}")
        g.attr(
            "graph",
            compound="true",
            rankdir=rankdir,
            fontname=FONT,
            label=caption(self.d, self.marks, self.legend, bool(self.inner_anchors)),
            labelloc="t",
            labeljust="l",
            nodesep="0.25",
            ranksep="0.3",
            tooltip=_tooltip(self.d.description or self.d.title),
        )
        g.attr(
            "node",
            shape="box",
            style="rounded,filled",
            fillcolor="#ffffff",
            color=BORDER,
            fontname=FONT,
            fontsize="11",
            margin="0.12,0.04",
        )
        g.attr("edge", fontname=FONT, fontsize="9", arrowsize="0.7")
        self.contents(g, self.d.root)
        for group in self.groups:
            self.transition(g, group)
        return g


def build_graph(
    diagram: Diagram,
    *,
    decorations: Decorations | None = None,
    rankdir: str = "TB",
    legend: bool = True,
    merge: bool = True,
    classes: bool = False,
) -> graphviz.Digraph:
    """The diagram as a :class:`graphviz.Digraph` (``.source`` is the DOT text).

    ``classes=True`` gives every transition's SVG elements the ids of the diagram edges
    they draw as class names (``t12 t13``), so an overlay can be applied to the SVG later
    (:mod:`renderers.live`) without laying the graph out again.
    """
    return _Builder(diagram, decorations or _NO_MARKS, legend, merge, classes).build(rankdir)
