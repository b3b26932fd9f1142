"""Diagrams for a live console: lay a chart out once, mark each instance's path on the SVG.

Laying out a 45-state chart with ``dot`` takes most of a second, far too long for every
page view. :func:`live_svg` lays a chart out once (the caller caches it per chart version)
with the transitions' diagram edge ids as class names on their SVG elements;
:func:`mark_svg` then adds an instance's marks as class names (``sw-current``,
``sw-visited``, ``sw-path``) in a few milliseconds. The console's style sheet colours
them, so the SVG needs no inline styles (a Content-Security-Policy without
``'unsafe-inline'`` allows it).
"""

from __future__ import annotations

import html
import re
import subprocess

import graphviz

from renderers.diagram import Diagram
from renderers.dot import build_graph
from renderers.output import DotNotInstalled, RenderError
from renderers.overlay import PathMarks

__all__ = ["live_svg", "mark_svg"]

_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.S)
_SIZE = re.compile(r'<svg width="[^"]*" height="[^"]*"')
_GROUP = re.compile(r'<g id="([^"]+)" class="([^"]+)"')


def live_svg(diagram: Diagram, *, rankdir: str = "TB") -> str:
    """The chart as an inline ``<svg>`` element (no XML prolog, no fixed size), its
    transition elements classed with their diagram edge ids."""
    graph = build_graph(diagram, rankdir=rankdir, legend=False, classes=True)
    try:
        raw: bytes = graph.pipe(format="svg")
    except graphviz.ExecutableNotFound as exc:
        raise DotNotInstalled() from exc
    except (graphviz.CalledProcessError, subprocess.CalledProcessError) as exc:
        raise RenderError(f"dot failed: {exc}") from exc
    text = _PROLOG.sub("", raw.decode("utf-8"), count=1)
    text = _SIZE.sub('<svg class="sw-diagram"', text, count=1)
    return re.sub(r"<!--.*?-->\n?", "", text, flags=re.S)


def mark_svg(svg: str, marks: PathMarks) -> str:
    """``svg`` (from :func:`live_svg`) with one instance's marks as class names.

    States: ``sw-current`` (active; ``sw-leaf`` for the innermost), ``sw-visited``.
    Transitions taken: ``sw-path`` and a ``data-steps`` attribute (``#1, #4``).
    The root gets ``sw-overlay`` so the style sheet can dim everything unmarked.
    """
    steps = marks.steps

    def classed(match: re.Match[str]) -> str:
        element, classes = html.unescape(match.group(1)), match.group(2)
        extra: list[str] = []
        attrs = ""
        if element.startswith("state-"):
            state = element[len("state-") :]
            if state in marks.current:
                extra.append("sw-current")
                if state in marks.leaves:
                    extra.append("sw-leaf")
            elif state in marks.visited:
                extra.append("sw-visited")
        elif element.startswith(("edge-", "label-")):
            taken = sorted({n for c in classes.split() for n in steps.get(c, ())})
            if taken:
                extra.append("sw-path")
                attrs = f' data-steps="#{", #".join(map(str, taken))}"'
        if not extra:
            return match.group(0)
        return f'<g id="{match.group(1)}" class="{classes} {" ".join(extra)}"{attrs}'

    marked = _GROUP.sub(classed, svg)
    return marked.replace('<svg class="sw-diagram"', '<svg class="sw-diagram sw-overlay"', 1)
