"""Graph analysis of a chart (networkx lives only here).

:func:`analyze` runs every check and returns diagnostics (codes E403, W401-W409, see
docs/errors.md); :func:`chart_graph` is the reusable networkx projection renderers read.
"""

from engine.analysis.graph import EdgeKind as EdgeKind
from engine.analysis.graph import chart_graph as chart_graph
from engine.analysis.lint import analyze as analyze

__all__ = ["EdgeKind", "analyze", "chart_graph"]
