"""Views of a chart: Graphviz (DOT, SVG, PNG, PDF), Mermaid, overlays, diffs and docs pages.

Renderers read the chart model through one projection (:func:`build_diagram`); they never
touch the runtime, the store or the command line. Overlays take plain history records.
"""

from renderers.diagram import Diagram as Diagram
from renderers.diagram import DiagramEdge as DiagramEdge
from renderers.diagram import DiagramNode as DiagramNode
from renderers.diagram import EdgeCategory as EdgeCategory
from renderers.diagram import build_diagram as build_diagram
from renderers.diff import Change as Change
from renderers.diff import ChangeKind as ChangeKind
from renderers.diff import ChartDiff as ChartDiff
from renderers.diff import diff_charts as diff_charts
from renderers.divergence import DivergencePoint as DivergencePoint
from renderers.divergence import divergence_map as divergence_map
from renderers.docs import build_docs as build_docs
from renderers.output import FORMATS as FORMATS
from renderers.output import DotNotInstalled as DotNotInstalled
from renderers.output import RenderError as RenderError
from renderers.output import dot_available as dot_available
from renderers.output import render as render
from renderers.output import render_dot as render_dot
from renderers.output import render_mermaid as render_mermaid
from renderers.overlay import HistoryRecord as HistoryRecord
from renderers.overlay import heat_map as heat_map
from renderers.overlay import load_histories as load_histories
from renderers.overlay import load_history as load_history
from renderers.overlay import path_overlay as path_overlay
from renderers.style import Decorations as Decorations
from renderers.style import Mark as Mark

__all__ = [
    "FORMATS",
    "Change",
    "ChangeKind",
    "ChartDiff",
    "Decorations",
    "Diagram",
    "DiagramEdge",
    "DiagramNode",
    "DivergencePoint",
    "DotNotInstalled",
    "EdgeCategory",
    "HistoryRecord",
    "Mark",
    "RenderError",
    "build_diagram",
    "build_docs",
    "diff_charts",
    "divergence_map",
    "dot_available",
    "heat_map",
    "load_histories",
    "load_history",
    "path_overlay",
    "render",
    "render_dot",
    "render_mermaid",
]
