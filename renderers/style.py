"""The look of the diagrams: colours, line styles, the legend, and highlight marks.

Presentation only: the projection (``diagram``) says *what* a transition is (manual,
timer, ...), this module says how it looks. Overlays and diffs describe their highlights
as :class:`Mark` values keyed by node or edge id (:class:`Decorations`); the DOT renderer
applies them without knowing where they came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from renderers.diagram import EdgeCategory

__all__ = [
    "CATEGORY_STYLES",
    "FONT",
    "Decorations",
    "EdgeStyle",
    "Mark",
    "html",
]

FONT = "Helvetica"

#: fill colours of state boxes
STATE_FILL = "#f8fafc"
CLUSTER_FILL = "#ffffff"
REGION_FILL = "#fbfbfd"
BORDER = "#475569"
MUTED = "#64748b"


@dataclass(frozen=True, slots=True)
class EdgeStyle:
    color: str
    style: str  # graphviz edge style: solid, dashed, dotted, bold
    penwidth: float
    meaning: str
    sample: str  # the line drawn in the legend (box-drawing characters)


CATEGORY_STYLES: Mapping[EdgeCategory, EdgeStyle] = MappingProxyType(
    {
        EdgeCategory.MANUAL: EdgeStyle("#1d4ed8", "solid", 2.0, "manual action (person)", "━━━▶"),
        EdgeCategory.INTEGRATION: EdgeStyle(
            "#7e22ce", "solid", 1.2, "integration / external event", "───▶"
        ),
        EdgeCategory.TIMER: EdgeStyle("#b45309", "dashed", 1.4, "timer (after …)", "╌╌╌▶"),
        EdgeCategory.TASK: EdgeStyle(
            "#0f766e", "solid", 1.0, "task outcome (done / error)", "───▶"
        ),
        EdgeCategory.AUTOMATIC: EdgeStyle(
            "#6b7280", "dotted", 1.4, "automatic (always, guard only)", "┈┈┈▶"
        ),
        EdgeCategory.EVENT: EdgeStyle("#111827", "solid", 1.0, "internal event", "───▶"),
    }
)


@dataclass(frozen=True, slots=True)
class Mark:
    """A highlight of one node or edge; ``None`` keeps the default look."""

    color: str | None = None
    fill: str | None = None
    penwidth: float | None = None
    style: str | None = None
    note: str | None = None  # an extra line in the label ("x12", "median 2h")
    fontcolor: str | None = None
    #: a link (SVG): clicking the node opens it in the whole window
    url: str | None = None


@dataclass(frozen=True)
class Decorations:
    """Marks by node id and edge id; ``dim`` greys out everything that is not marked."""

    nodes: Mapping[str, Mark] = field(default_factory=dict)
    edges: Mapping[str, Mark] = field(default_factory=dict)
    dim: bool = False
    #: extra legend rows: (colour, meaning)
    legend: tuple[tuple[str, str], ...] = ()
    caption: str | None = None


#: what a dimmed node or edge looks like
DIM = "#cbd5e1"


def html(text: str) -> str:
    """Escape text for a graphviz HTML-like label."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "<br/>")
    )
