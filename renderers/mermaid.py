"""Mermaid ``stateDiagram-v2`` text: renders in Markdown (GitHub, MkDocs) without any binary.

Mermaid has no history pseudo-state, no ``lhead`` and no per-edge styles, so:

* compound states are ``state X { ... }`` blocks; the regions of a parallel state are
  separated by ``--``; ``[*] --> child`` marks the initial state inside each block and
  ``final --> [*]`` the final states;
* a history state is a state shown as ``H`` / ``H*`` with its default as a transition
  labelled ``default``;
* labels are ``event [guard]`` (shortened); manual actions show their button label and
  ``(manual)``, timers ``after ...``; targetless transitions are listed in the state's
  description (``id : evt / actions``);
* every state is declared in its block before any transition is written, and each
  transition is written in the innermost block that holds both its ends.
"""

from __future__ import annotations

import re

from engine.model import ROOT, HistoryKind, StateKind
from renderers.diagram import Diagram, DiagramEdge, DiagramNode, EdgeCategory

__all__ = ["mermaid_ids", "mermaid_text"]

_RESERVED = {
    "state",
    "note",
    "end",
    "direction",
    "class",
    "classdef",
    "click",
    "as",
    "left",
    "right",
    "of",
}
_INDENT = "    "


def _escape(text: str) -> str:
    """Text safe after ``:`` in a transition or state description."""
    out = []
    for ch in re.sub(r"\s+", " ", text):
        if ch in '#;:<>{}"%`':
            out.append(f"#{ord(ch)};")
        else:
            out.append(ch)
    return "".join(out)


def mermaid_ids(diagram: Diagram) -> dict[str, str]:
    """A Mermaid identifier per state: its name when that is unique, else its path."""
    counts: dict[str, int] = {}
    for node in diagram.nodes.values():
        counts[node.name] = counts.get(node.name, 0) + 1
    ids: dict[str, str] = {}
    used: set[str] = set()
    for node in diagram.nodes.values():
        if node.id == ROOT:
            continue
        base = node.name if counts[node.name] == 1 else node.id
        base = re.sub(r"[^A-Za-z0-9_]", "_", base)
        if base[0].isdigit() or base.lower() in _RESERVED:
            base = f"s_{base}"
        name, n = base, 2
        while name in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name)
        ids[node.id] = name
    return ids


def _edge_text(e: DiagramEdge) -> str:
    if e.category is EdgeCategory.MANUAL and e.manual_label:
        text = f"{e.manual_label} (manual)"
    else:
        text = e.title
    if e.guard_short:
        text = f"{text} [{e.guard_short}]".strip()
    return _escape(text)


class _Writer:
    def __init__(self, diagram: Diagram) -> None:
        self.d = diagram
        self.ids = mermaid_ids(diagram)
        self.lines: list[str] = []
        self.by_block: dict[str, list[str]] = {}
        for e in diagram.edges:
            for target in e.targets:
                if self._nested(e.source, target):
                    continue  # listed in the note of the enclosing state (see _description)
                self._add(e.source, target, _edge_text(e))
        for node in diagram.nodes.values():
            if node.kind is StateKind.HISTORY:
                for target in node.initial:
                    self._add(node.id, target, "default")

    def _add(self, source: str, target: str, text: str) -> None:
        """Write the edge between the children of the innermost common block that hold
        its ends: Mermaid lays out edges across composite borders badly, so an edge
        that leaves or enters a composite starts or ends at that composite, and its
        label names the real source or target."""
        block = self._block(source, target)
        s, t = self._lift(source, block), self._lift(target, block)
        if s != source:
            text = _escape(f"({self.d.node(source).label}) ") + text
        if t != target:
            text += _escape(f" → {self.d.node(target).label}")
        line = f"{self.ids[s]} --> {self.ids[t]}"
        self.by_block.setdefault(block, []).append(f"{line} : {text}" if text else line)

    def _lift(self, node_id: str, block: str) -> str:
        """The ancestor of ``node_id`` (or itself) that is a direct child of ``block``."""
        if node_id == block:
            return node_id
        while self.d.node(node_id).parent not in (block, None):
            node_id = self.d.node(node_id).parent or ROOT
        return node_id

    def _nested(self, a: str, b: str) -> bool:
        """One end encloses the other: Mermaid cannot draw that edge, the note says it."""
        return a != b and (self.d.contains(a, b) or self.d.contains(b, a))

    def _block(self, a: str, b: str) -> str:
        """The innermost compound or parallel state (or the root) that holds both ends."""
        c = self.d.lca(a, b)
        while c != ROOT and not self.d.node(c).is_cluster:
            c = self.d.node(c).parent or ROOT
        if c != ROOT and self.d.node(c).kind is StateKind.PARALLEL:
            return self.d.node(c).parent or ROOT  # not between the region separators
        return c

    def emit(self, depth: int, text: str) -> None:
        self.lines.append(_INDENT * depth + text)

    def declare(self, node: DiagramNode, depth: int) -> None:
        sid = self.ids[node.id]
        if node.kind is StateKind.HISTORY:
            label = "H*" if node.history is HistoryKind.DEEP else "H"
            self.emit(depth, f'state "{label}" as {sid}')
            return
        self.emit(depth, f'state "{_escape(node.label)}" as {sid}')
        lines = self._description(node)
        if node.is_cluster:  # Mermaid: a composite state has a label only, so a note
            self.emit(depth, f"state {sid} {{")
            self.block(node, depth + 1)
            self.emit(depth, "}")
            if lines:
                self.emit(depth, f"note right of {sid}")
                for line in lines:
                    self.emit(depth + 1, line)
                self.emit(depth, "end note")
        else:
            for line in lines:
                self.emit(depth, f"{sid} : {line}")
        if node.kind is StateKind.FINAL:
            self.emit(depth, f"class {sid} final")

    def _description(self, node: DiagramNode) -> list[str]:
        lines = []
        code = (node.code or "").strip()
        queue = f"queue {node.queue}" if node.queue and node.queue != node.label else ""
        facts = [f for f in (code if code != node.label else "", queue) if f]
        if facts:
            lines.append(_escape(" · ".join(facts)))
        lines.extend(_escape(f"runs {task}") for task in node.invokes)
        for e in self.d.edges:
            if e.source != node.id:
                continue
            nested = [t for t in e.targets if self._nested(e.source, t)]
            if e.targetless or nested:
                text = _edge_text(e) or "always"
                if e.actions_short:
                    text += _escape(f" / {e.actions_short}")
                for t in nested:
                    text += _escape(f" → {self.d.node(t).label}")
                lines.append(text)
        return lines

    def _entry(self, node: DiagramNode, child_id: str) -> str:
        """Mermaid fails on ``[*] --> Composite`` inside a parallel region (11.x), so
        there the marker points at the composite's own initial leaf."""
        in_region = node.parent is not None and self.d.node(node.parent).kind is StateKind.PARALLEL
        while in_region and self.d.node(child_id).is_cluster and self.d.node(child_id).initial:
            child_id = self.d.node(child_id).initial[0]
        return child_id

    def block(self, node: DiagramNode, depth: int) -> None:
        children = self.d.children(node.id)
        if node.kind is StateKind.PARALLEL:
            for i, child in enumerate(children):
                if i:
                    self.emit(depth, "--")
                self.declare(child, depth)
        else:
            for child_id in node.initial:
                self.emit(depth, f"[*] --> {self.ids[self._entry(node, child_id)]}")
            for child in children:
                self.declare(child, depth)
            for child in children:
                if child.kind is StateKind.FINAL:
                    self.emit(depth, f"{self.ids[child.id]} --> [*]")
        for line in self.by_block.get(node.id, ()):
            self.emit(depth, line)


def mermaid_text(diagram: Diagram, *, direction: str = "TB") -> str:
    """The diagram as Mermaid ``stateDiagram-v2`` source."""
    w = _Writer(diagram)
    w.emit(0, "stateDiagram-v2")
    w.emit(1, f"%% {diagram.chart_id} v{diagram.version}: {' '.join(diagram.title.split())}")
    w.emit(1, f"direction {direction}")
    w.emit(1, "classDef final stroke-width:3px")
    w.block(diagram.root, 1)
    return "\n".join(w.lines) + "\n"
