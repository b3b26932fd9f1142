"""Rendering to files: DOT and Mermaid text need nothing; SVG, PNG and PDF need ``dot``."""

from __future__ import annotations

import shutil
import subprocess

import graphviz

from engine.errors import StatewiseError
from engine.model import Chart
from renderers.diagram import Diagram, build_diagram
from renderers.dot import build_graph
from renderers.mermaid import mermaid_text
from renderers.style import Decorations

__all__ = [
    "BINARY_FORMATS",
    "FORMATS",
    "DotNotInstalled",
    "RenderError",
    "diagram_of",
    "dot_available",
    "render",
    "render_dot",
    "render_mermaid",
]

#: formats that need the graphviz ``dot`` program
BINARY_FORMATS = ("svg", "png", "pdf")
FORMATS = ("svg", "png", "pdf", "dot", "mermaid")

INSTALL_HINT = (
    "the Graphviz 'dot' program is not installed (or not on PATH); SVG, PNG and PDF "
    "need it. Install it with 'apt-get install graphviz' (Debian, Ubuntu), "
    "'brew install graphviz' (macOS) or from https://graphviz.org/download/. "
    "DOT and Mermaid output work without it."
)


class RenderError(StatewiseError):
    """A diagram could not be rendered."""


class DotNotInstalled(RenderError):
    """The ``dot`` program is missing; the message says how to install it."""

    def __init__(self) -> None:
        super().__init__(INSTALL_HINT)


def dot_available() -> bool:
    """Is the graphviz ``dot`` program on PATH?"""
    return shutil.which("dot") is not None


def diagram_of(chart: Chart | Diagram) -> Diagram:
    return chart if isinstance(chart, Diagram) else build_diagram(chart)


def render_dot(
    chart: Chart | Diagram,
    *,
    decorations: Decorations | None = None,
    rankdir: str = "TB",
    legend: bool = True,
) -> str:
    """The chart as Graphviz DOT text (no ``dot`` program needed)."""
    graph = build_graph(diagram_of(chart), decorations=decorations, rankdir=rankdir, legend=legend)
    return str(graph.source)


def render_mermaid(chart: Chart | Diagram) -> str:
    """The chart as Mermaid ``stateDiagram-v2`` text."""
    return mermaid_text(diagram_of(chart))


def render(
    chart: Chart | Diagram,
    format: str = "svg",
    *,
    decorations: Decorations | None = None,
    rankdir: str = "TB",
    legend: bool = True,
) -> bytes:
    """The chart in ``format`` (svg, png, pdf, dot, mermaid) as bytes.

    Raises :class:`DotNotInstalled` for svg, png and pdf when ``dot`` is missing.
    """
    if format == "mermaid":
        return render_mermaid(chart).encode()
    if format not in FORMATS:
        raise RenderError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    graph = build_graph(diagram_of(chart), decorations=decorations, rankdir=rankdir, legend=legend)
    if format == "dot":
        return str(graph.source).encode()
    try:
        out: bytes = graph.pipe(format=format)
    except graphviz.ExecutableNotFound as exc:
        raise DotNotInstalled() from exc
    except (graphviz.CalledProcessError, subprocess.CalledProcessError) as exc:
        raise RenderError(f"dot failed: {exc}") from exc
    return out
