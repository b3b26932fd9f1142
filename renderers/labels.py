"""HTML-like labels for the DOT renderer: states, transitions, the caption with the legend."""

from __future__ import annotations

from collections.abc import Iterable

from engine.model import StateKind
from renderers.diagram import Diagram, DiagramEdge, DiagramNode, EdgeCategory
from renderers.style import CATEGORY_STYLES, MUTED, Decorations, html

__all__ = ["caption", "edge_label", "final_label", "node_label", "small"]


def small(text: str, color: str = MUTED) -> str:
    return f'<font point-size="9" color="{color}">{html(text)}</font>'


def _internal_line(edge: DiagramEdge) -> str:
    text = edge.title or "always"
    if edge.note_required:
        text += " ✎"
    if edge.guard_short:
        text += f" [{edge.guard_short}]"
    if edge.actions_short:
        text += f" / {edge.actions_short}"
    return small(text, CATEGORY_STYLES[edge.category].color)


def node_label(
    node: DiagramNode, internal: Iterable[DiagramEdge] = (), note: str | None = None
) -> str:
    """A state box or cluster title: label, code and queue, tags, the task it runs, and
    its targetless transitions (UML's internal-transitions compartment)."""
    lines = [f"<b>{html(node.label)}</b>"]
    code = node.code.strip() if node.code else ""
    facts = [f for f in (code, f"queue: {node.queue}" if node.queue else "") if f]
    if facts:
        lines.append(small(" · ".join(facts)))
    tags = [*node.tags, *(["terminal"] if node.terminal else [])]
    if tags:
        lines.append(small(" ".join(f"#{t}" for t in tags)))
    if node.kind is StateKind.PARALLEL:
        lines.append(small("parallel regions"))
    task_color = CATEGORY_STYLES[EdgeCategory.TASK].color
    lines.extend(small(f"⚙ runs {task}", task_color) for task in node.invokes)
    lines.extend(_internal_line(e) for e in internal)
    if note:
        lines.append(f"<b>{small(note, '#000000')}</b>")
    return "<" + "<br/>".join(lines) + ">"


def final_label(node: DiagramNode, note: str | None = None) -> str:
    """The label inside a final state's double circle, wrapped to short lines."""
    lines: list[str] = []
    for word in node.label.split():
        if lines and len(lines[-1]) + len(word) < 12:
            lines[-1] += " " + word
        else:
            lines.append(word)
    body = "<br/>".join(html(line) for line in lines) or html(node.name)
    if note:
        body += f"<br/>{small(note, '#000000')}"
    return f'<<font point-size="10">{body}</font>>'


def _transition_lines(e: DiagramEdge, muted: str | None) -> list[str]:
    lines = []
    title = e.title + (" ✎" if e.note_required else "")
    if title:
        color = muted or CATEGORY_STYLES[e.category].color
        lines.append(f'<font color="{color}">{html(title)}</font>')
    if e.guard_short:
        lines.append(f'<font color="{muted or MUTED}">[{html(e.guard_short)}]</font>')
    if e.actions_short:
        lines.append(small(f"/ {e.actions_short}", muted or MUTED))
    return lines


def edge_label(
    edges: Iterable[DiagramEdge], note: str | None = None, muted: str | None = None
) -> str:
    """Per transition: the title (event, manual label or timer), ``[guard]`` and
    ``/ actions`` on lines of their own; several transitions are separated by rules.
    Empty when there is nothing to say. ``muted`` draws all of it in that colour."""
    blocks: list[str] = []
    for e in edges:
        block = "<br/>".join(_transition_lines(e, muted))
        if block and block not in blocks:
            blocks.append(block)
    if note:
        blocks.append(f"<b>{html(note)}</b>")
    if not blocks:
        return ""
    if len(blocks) == 1:
        return f"<{blocks[0]}>"
    rows = "<hr/>".join(f"<tr><td>{b}</td></tr>" for b in blocks)
    return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{rows}</table>>'


def _legend(diagram: Diagram, marks: Decorations, anchors: bool) -> str:
    used = {e.category for e in diagram.edges}
    cells = [
        (style.color, style.sample, style.meaning)
        for category, style in CATEGORY_STYLES.items()
        if category in used
    ]
    kinds = {n.kind for n in diagram.nodes.values()}
    cells.append(("#000000", "●─▶", "initial state"))
    if StateKind.FINAL in kinds:
        cells.append(("#000000", "◎", "final state"))
    if StateKind.HISTORY in kinds:
        cells.append(("#000000", "(H*)", "history (H shallow, H* deep)"))
    if anchors:
        cells.append(("#000000", "○─▶", "from the enclosing state"))
    if any(e.note_required for e in diagram.edges):
        cells.append(("#000000", "✎", "audit note required"))
    cells.extend((color, "━━━▶", meaning) for color, meaning in marks.legend)
    body = "".join(
        f'<td align="left"><font color="{c}">{html(s)}</font> {small(m, "#334155")}</td>'
        for c, s, m in cells
    )
    return f'<table border="0" cellspacing="0" cellpadding="3"><tr>{body}</tr></table>'


def caption(diagram: Diagram, marks: Decorations, legend: bool, anchors: bool) -> str:
    """The graph label: title, chart id and version, an overlay caption, the legend."""
    title = f'<font point-size="16"><b>{html(diagram.title)}</b></font>'
    sub = small(f"{diagram.chart_id} v{diagram.version}")
    rows = [f'<tr><td align="left">{title} {sub}</td></tr>']
    if marks.caption:
        rows.append(f'<tr><td align="left">{html(marks.caption)}</td></tr>')
    if legend:
        rows.append(f'<tr><td align="left">{_legend(diagram, marks, anchors)}</td></tr>')
    return '<<table border="0" cellspacing="0" cellpadding="2">' + "".join(rows) + "</table>>"
