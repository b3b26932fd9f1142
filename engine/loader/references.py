"""Checks across the charts validated together: the charts they spawn and send to exist."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from engine.errors import Diagnostic, Severity
from engine.model import Action, Chart, If, Send, Spawn, StartInstance
from engine.source import Span

__all__ = ["check_references"]


def _walk(actions: tuple[Action, ...]) -> Iterator[Action]:
    for a in actions:
        yield a
        if isinstance(a, If):
            yield from _walk(a.then)
            yield from _walk(a.otherwise)


def check_references(charts: Sequence[Chart]) -> list[Diagnostic]:
    """W319 for a ``spawn`` or a ``send`` to a chart id that none of ``charts`` has."""
    known = {c.id for c in charts}
    out: list[Diagnostic] = []
    for chart in charts:
        for state in chart.states.values():
            for actions in (state.entry, state.exit, *(t.actions for t in state.transitions)):
                for a in _walk(actions):
                    other: str | None = None
                    where: Span | None = None
                    if isinstance(a, Spawn | StartInstance):
                        other, where = a.chart, a.chart_span
                    elif isinstance(a, Send) and a.target.kind == "related":
                        other, where = a.target.chart, a.target.chart_span
                    if other is not None and other not in known:
                        out.append(
                            Diagnostic(
                                "W319",
                                Severity.WARNING,
                                f"chart '{other}' is not among the charts validated together; "
                                "expected its definition next to this one (validate the whole folder)",
                                where or a.span,
                            )
                        )
    return out
