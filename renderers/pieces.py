"""The diagram files of a chart's documentation page.

* ``<id>.svg``: the overview (compound states closed), shown on the page;
* ``<id>--<state>.svg``: what is inside each compound or parallel state;
* ``<id>.full.svg``: the whole chart in one diagram;
* ``<stem>.diagram.html`` beside each: the diagram with pan and zoom (:mod:`.viewer`),
  where a closed state opens its own diagram;
* ``<id>.mmd``: the chart as Mermaid text (for GitHub and GitLab, which draw it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine.model import Chart
from renderers.collapse import VIEWER, focus, openable, piece_name
from renderers.diagram import Diagram, build_diagram
from renderers.mermaid import mermaid_text
from renderers.viewer import viewer_page

__all__ = ["Pieces", "write_pieces"]

ROOT = ""


class Pieces:
    """The names of a chart's diagram files (what its page links to)."""

    def __init__(self, chart: Chart, diagram: Diagram) -> None:
        self.chart_id = chart.id
        self.overview = piece_name(chart.id, ROOT)
        self.full = f"{chart.id}.full"
        self.mermaid = f"{chart.id}.mmd"
        self.states = [(sid, diagram.node(sid).label or sid) for sid in openable(diagram)]

    def viewer(self, stem: str) -> str:
        return stem + VIEWER


def write_pieces(
    chart: Chart, out: Path, write: Callable[[Path, bytes], None], *, svg: bool = True
) -> tuple[Pieces, list[Path]]:
    """Write the diagram files of ``chart`` into ``out`` (only the Mermaid text without
    ``svg``: no ``dot`` needed); returns their names and the files written."""
    from renderers.output import render

    diagram = build_diagram(chart)
    names = Pieces(chart, diagram)
    written = [out / names.mermaid]
    write(out / names.mermaid, mermaid_text(diagram).encode())
    if not svg:
        return names, written
    overview = names.viewer(names.overview)
    home = [("Overview", overview), ("Whole chart", names.viewer(names.full)), ("All flows", "./")]
    parts: list[tuple[str, bytes, str]] = []
    shown, marks = focus(diagram)
    parts.append((names.overview, render(shown, "svg", decorations=marks), diagram.title))
    parts.append((names.full, render(diagram, "svg"), f"{diagram.title} (whole chart)"))
    for sid, _label in names.states:
        piece, marks = focus(diagram, sid)
        parts.append(
            (piece_name(chart.id, sid), render(piece, "svg", decorations=marks), piece.title)
        )
    for stem, data, title in parts:
        write(out / f"{stem}.svg", data)
        page = viewer_page(data, title, home).encode()
        write(out / names.viewer(stem), page)
        written += [out / f"{stem}.svg", out / names.viewer(stem)]
    return names, written
