"""Checks across the charts validated together: the charts they spawn and send to exist."""

from __future__ import annotations

from collections.abc import Sequence

from engine.errors import Diagnostic, Severity
from engine.model import Action, Chart, Send, Spawn, StartInstance
from engine.source import Span

__all__ = ["check_references"]


def _other_chart(action: Action) -> tuple[str, Span | None] | None:
    """The chart an action names (spawn, start, send to a related instance), and where."""
    if isinstance(action, Spawn | StartInstance):
        return action.chart, action.chart_span
    if isinstance(action, Send) and action.target.kind == "related" and action.target.chart:
        return action.target.chart, action.target.chart_span
    return None


def check_references(charts: Sequence[Chart]) -> list[Diagnostic]:
    """W319 for a ``spawn``, ``start`` or ``send`` to a chart id that none of ``charts`` has."""
    known = {c.id for c in charts}
    out: list[Diagnostic] = []
    for chart in charts:
        for action in chart.actions():
            named = _other_chart(action)
            if named is None or named[0] in known:
                continue
            out.append(
                Diagnostic(
                    "W319",
                    Severity.WARNING,
                    f"chart '{named[0]}' is not among the charts validated together; "
                    "expected its definition next to this one (validate the whole folder)",
                    named[1] or action.span,
                )
            )
    return out
