"""Documentation pages: one Markdown page per chart plus an index, ready for MkDocs.

Each page has the diagram (an overview with compound states closed, a diagram per compound
state and the whole chart, each with pan and zoom; all files next to the page, nothing
loaded from elsewhere; the Mermaid text as a file),
the states (labels, queues, codes, tags), the transitions (events, guards, who may
trigger them), the timers, the events and tasks the chart declares, and the
notifications with their templates' text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from engine.model import Action, Chart, If, Notify
from renderers.collapse import piece_name
from renderers.diagram import Diagram, DiagramEdge, EdgeCategory, build_diagram
from renderers.pieces import Pieces, write_pieces

__all__ = ["build_docs", "chart_page", "index_page", "page_name"]

_WHO = {
    EdgeCategory.INTEGRATION: "integration",
    EdgeCategory.TIMER: "timer",
    EdgeCategory.TASK: "task outcome",
    EdgeCategory.AUTOMATIC: "automatic",
    EdgeCategory.EVENT: "internal event",
}


def page_name(chart: Chart) -> str:
    """The page's file name (``yescart.order.md``); the SVG shares its stem."""
    return f"{chart.id}.md"


def _cell(text: object) -> str:
    s = " ".join(str(text).split()) if text not in (None, "") else ""
    return s.replace("|", "\\|")


def _code(text: str | None) -> str:
    return f"`{_cell(text)}`" if text else ""


def _table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out.extend("| " + " | ".join(row) + " |" for row in rows)
    return out


def _walk(actions: Iterable[Action]) -> Iterator[Action]:
    for a in actions:
        yield a
        if isinstance(a, If):
            yield from _walk(a.then)
            yield from _walk(a.otherwise)


def _notifications(chart: Chart) -> dict[str, list[str]]:
    """Template name -> where it is sent from (``entry of x``, ``x --evt--> y``)."""
    used: dict[str, list[str]] = {}
    for state in chart.states.values():
        for where, actions in (("entry", state.entry), ("exit", state.exit)):
            for a in _walk(actions):
                if isinstance(a, Notify):
                    used.setdefault(a.template, []).append(f"{where} of `{state.id}`")
        for t in state.transitions:
            for a in _walk(t.actions):
                if isinstance(a, Notify):
                    used.setdefault(a.template, []).append(f"`{t.describe()}`")
    return used


def _who(e: DiagramEdge) -> str:
    if e.category is EdgeCategory.MANUAL:
        roles = ", ".join(e.roles) if e.roles else "anyone"
        note = " (audit note required)" if e.note_required else ""
        return f"**{_cell(e.manual_label or e.title)}**: {_cell(roles)}{note}"
    return _WHO[e.category]


def _label(d: Diagram, state_id: str) -> str:
    return _cell(d.node(state_id).label) if state_id in d.nodes else _cell(state_id)


def _states(d: Diagram) -> list[str]:
    rows = []
    for n in d.nodes.values():
        if not n.id:
            continue
        notes = [f"runs `{t}`" for t in n.invokes] + (["terminal"] if n.terminal else [])
        if n.history is not None:
            notes.append(f"{n.history.value} history")
        rows.append(
            [
                _code(n.id),
                _cell(n.label),
                n.kind.value,
                _cell(n.queue),
                _code((n.code or "").strip()),
                _cell(", ".join(n.tags)),
                _cell("; ".join(notes)),
            ]
        )
    return [
        "## States",
        "",
        *_table(["State", "Label", "Kind", "Queue", "Code", "Tags", "Notes"], rows),
    ]


def _transitions(d: Diagram) -> list[str]:
    rows = []
    for e in d.edges:
        on = e.timer or ", ".join(f"`{x}`" for x in e.events) or "(always)"
        to = ", ".join(_label(d, t) for t in e.targets) or "(stays; actions only)"
        rows.append(
            [
                _label(d, e.source) or "(chart)",
                _cell(on),
                _code(e.guard),
                to,
                _who(e),
                _cell("; ".join(e.actions)),
            ]
        )
    return ["## Transitions", "", *_table(["From", "Event", "Guard", "To", "Who", "Actions"], rows)]


def _timers(d: Diagram) -> list[str]:
    rows = [
        [
            _label(d, e.source),
            _cell(e.timer),
            _cell(e.calendar),
            ", ".join(_label(d, t) for t in e.targets),
            _code(e.guard),
        ]
        for e in d.edges
        if e.timer
    ]
    if not rows:
        return []
    return ["## Timers", "", *_table(["State", "Fires", "Calendar", "To", "Guard"], rows)]


def _declarations(chart: Chart) -> list[str]:
    out: list[str] = []
    if chart.events:
        out += [
            "## Events",
            "",
            *_table(
                ["Event", "Source", "Data", "Description"],
                [
                    [
                        _code(e.name),
                        e.source.value,
                        _cell(", ".join(f.name for f in e.data.fields)),
                        _cell(e.description),
                    ]
                    for e in chart.events.values()
                ],
            ),
            "",
        ]
    if chart.tasks:
        out += [
            "## Tasks",
            "",
            *_table(
                ["Task", "Input", "Result", "Description"],
                [
                    [
                        _code(t.name),
                        _cell(", ".join(f.name for f in t.input.fields)),
                        _cell(", ".join(f.name for f in t.result.fields)),
                        _cell(t.description),
                    ]
                    for t in chart.tasks.values()
                ],
            ),
            "",
        ]
    return out


def _templates(chart: Chart) -> list[str]:
    if not chart.templates:
        return []
    used = _notifications(chart)
    out = ["## Notifications", ""]
    for name, tpl in chart.templates.items():
        out.append(f"### `{name}`")
        out.append("")
        out.append(f"- channel: {tpl.channel or 'per notify action'}")
        if tpl.subject:
            out.append(f"- subject: `{_cell(tpl.subject)}`")
        where = used.get(name, [])
        out.append("- sent by: " + ("; ".join(where) if where else "not used"))
        out.append("")
        out.extend(["```jinja", tpl.body.rstrip("\n"), "```", ""])
    return out


def _diagrams(d: Diagram, pieces: Pieces | None, svg_name: str | None) -> list[str]:
    """The diagram section: the overview (click: pan and zoom), the whole chart, each
    compound state's own diagram, the Mermaid text. Nothing is loaded from elsewhere."""
    if pieces is None:
        if svg_name is None:
            return []
        return [f"![{d.title}]({svg_name})", ""]
    viewer = pieces.viewer
    lines = ["## Diagram", ""]
    if svg_name:
        lines += [
            f"[![{d.title}]({svg_name})]({viewer(pieces.overview)})",
            "",
            "The overview: a state marked \u25b8 holds more states. Click the diagram to open "
            "it with pan and zoom (wheel, drag, `+` `-` `0`), where each such state opens its own "
            f"diagram. [The whole chart in one diagram]({viewer(pieces.full)}).",
            "",
        ]
        if pieces.states:
            links = " · ".join(
                f"[{_cell(label)}]({viewer(piece_name(pieces.chart_id, sid))})"
                for sid, label in pieces.states
            )
            lines += [f"Inside the compound states: {links}.", ""]
    lines += [
        f"The chart as Mermaid text, for GitHub and GitLab: [{pieces.mermaid}]({pieces.mermaid}).",
        "",
    ]
    return lines


def chart_page(
    chart: Chart,
    svg_name: str | None = None,
    source: str | None = None,
    pieces: Pieces | None = None,
) -> str:
    """The Markdown page of one chart (``pieces``: the diagram files written beside it)."""
    d = build_diagram(chart)
    src = f" · source: `{source}`" if source else ""
    lines = [f"# {d.title}", "", f"`{chart.id}` version {chart.version}{src}", ""]
    if chart.description:
        lines += [" ".join(chart.description.split()), ""]
    lines += _diagrams(d, pieces, svg_name)
    lines += [*_states(d), "", *_transitions(d), ""]
    timers = _timers(d)
    lines += timers + ([""] if timers else [])
    lines += _declarations(chart) + _templates(chart)
    return "\n".join(lines).rstrip("\n") + "\n"


def index_page(charts: Iterable[Chart], title: str = "Flow reference") -> str:
    """A page linking every chart page."""
    rows = []
    for c in sorted(charts, key=lambda c: c.id):
        states = len(c.states) - 1
        transitions = sum(1 for _ in c.transitions())
        rows.append(
            [
                f"[{_cell(c.title or c.id)}]({page_name(c)})",
                _code(c.id),
                str(c.version),
                str(states),
                str(transitions),
            ]
        )
    lines = [f"# {title}", "", "One page per chart, generated by `statewise docs`.", ""]
    lines += _table(["Chart", "Id", "Version", "States", "Transitions"], rows)
    return "\n".join(lines) + "\n"


def _write(path: Path, data: bytes) -> None:
    """Write only when the content changed (keeps ``mkdocs serve`` from looping)."""
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def build_docs(
    charts: Iterable[Chart],
    out_dir: str | Path,
    *,
    svg: bool = True,
    root: str | Path | None = None,
) -> list[Path]:
    """Write ``<chart id>.md`` per chart with its diagram files (:mod:`.pieces`) and
    ``index.md`` into ``out_dir``.

    ``svg=False`` skips the SVG files and their pages (no ``dot`` program needed). ``root``
    makes the source paths shown on the pages relative. Returns the files written or kept.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    charts = list(charts)
    written: list[Path] = []
    for chart in charts:
        pieces, files = write_pieces(chart, out, _write, svg=svg)
        written += files
        svg_name = f"{pieces.overview}.svg" if svg else None
        source = chart.file
        if root is not None:
            with contextlib.suppress(ValueError):
                source = Path(chart.file).resolve().relative_to(Path(root).resolve()).as_posix()
        page = out / page_name(chart)
        _write(page, chart_page(chart, svg_name, source, pieces).encode())
        written.append(page)
    _write(out / "index.md", index_page(charts).encode())
    written.append(out / "index.md")
    return written
