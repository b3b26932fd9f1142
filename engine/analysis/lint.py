"""``analyze(chart)``: every graph check, as diagnostics sorted by position.

| code | check | module |
|---|---|---|
| W401 | unreachable state | :mod:`engine.analysis.reach` |
| W402 | no final state reachable | :mod:`engine.analysis.reach` |
| E403/W403 | loop of automatic transitions without/with guards | :mod:`engine.analysis.reach` |
| W404 | transition shadowed by an earlier unguarded one | :mod:`engine.analysis.overlap` |
| W405 | transition repeating an earlier one's guard | :mod:`engine.analysis.overlap` |
| W406-W409 | events nothing sends; unused events, tasks, templates | :mod:`engine.analysis.usage` |

The whole analysis is linear in the size of the chart (plus the transitions of each
state compared with its earlier unguarded ones): one projection, one flow graph, one
reachability pass each way and two strongly-connected-component passes.
"""

from __future__ import annotations

from engine.analysis.flow import build_flow
from engine.analysis.graph import chart_graph
from engine.analysis.overlap import dead_transitions, live_transitions
from engine.analysis.reach import eventless_cycles, reached_states, traps, unreachable
from engine.analysis.report import at_transition, describe, where
from engine.analysis.usage import collect_usage, unsendable_events, unused_declarations
from engine.errors import Diagnostic, Severity
from engine.model import Chart

__all__ = ["analyze", "overlapping_transitions"]


def overlapping_transitions(chart: Chart) -> list[Diagnostic]:
    """W404 and W405: transitions an earlier transition of the same state always beats."""
    out: list[Diagnostic] = []
    for state in chart.states.values():
        for d in dead_transitions(state):
            first = f"{describe(d.by)} on {where(d.by.span, chart.file)}"
            if d.same_guard:
                out.append(
                    at_transition(
                        "W405",
                        Severity.WARNING,
                        f"{describe(d.dead)} has the same guard as {first}, which is tried "
                        "first, so this one can never be taken; expected a different guard, "
                        "or the two merged into one",
                        d.dead,
                    )
                )
            else:
                out.append(
                    at_transition(
                        "W404",
                        Severity.WARNING,
                        f"{describe(d.dead)} can never be taken: {first} has no guard and is "
                        f"tried first{'' if d.dead.eventless else ' for the same event'}; "
                        "expected a guard on the earlier transition, or this one moved "
                        "before it",
                        d.dead,
                    )
                )
    return out


def analyze(chart: Chart) -> list[Diagnostic]:
    """Every graph-analysis finding about ``chart``, sorted by file, line and column."""
    projection = chart_graph(chart)
    live = live_transitions(chart)
    flow = build_flow(chart, projection, live)
    reached = reached_states(chart, flow)
    usage = collect_usage(chart)
    found = [
        *unreachable(chart, reached),
        *traps(chart, flow, reached),
        *eventless_cycles(chart, projection, live),
        *overlapping_transitions(chart),
        *unsendable_events(chart, usage),
        *unused_declarations(chart, usage),
    ]
    return sorted(found, key=Diagnostic.sort_key)
