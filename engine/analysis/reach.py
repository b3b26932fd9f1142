"""Graph checks: unreachable states (W401), traps (W402), eventless loops (E403/W403)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import networkx as nx

from engine.analysis.flow import Flow, Node, active, build_flow, enter
from engine.analysis.report import at_state, at_transition
from engine.errors import Diagnostic, Severity
from engine.model import ROOT, Chart, State, Transition

__all__ = ["eventless_cycles", "traps", "unreachable"]


def _reach_node(state: State) -> Node:
    return enter(state.id) if state.is_history else active(state.id)


def reached_states(chart: Chart, flow: Flow) -> set[str]:
    """Ids of the states some path from the start enters."""
    reached = nx.descendants(flow.graph, flow.start) | {flow.start}
    return {sid for sid, s in chart.states.items() if _reach_node(s) in reached}


def unreachable(chart: Chart, reached: set[str]) -> list[Diagnostic]:
    """W401 for the outermost states no path from the start leads to."""
    out: list[Diagnostic] = []
    for s in chart.states.values():
        if s.parent is None or s.id in reached or s.parent not in reached:
            continue
        if s.is_history:
            message = (
                f"the history state '{s.id}' is never used: no transition from a state "
                f"instances can reach targets it; expected a transition with `target: {s.name}`, "
                "or remove it"
            )
        else:
            message = (
                f"the state '{s.id}' can never be reached: no transition, initial state or "
                "history default leads to it from the start of the chart; expected a "
                f"transition with `target: {s.name}` from a state instances can reach, or "
                "remove it"
            )
        out.append(at_state("W401", Severity.WARNING, message, s))
    return out


def _protected(chart: Chart, s: State) -> bool:
    return s.meta.terminal or any(chart.states[a].meta.terminal for a in chart.ancestors(s.id))


def traps(chart: Chart, flow: Flow, reached: set[str]) -> list[Diagnostic]:
    """W402 for the outermost reachable states from which an instance can never finish."""
    g = flow.graph
    if flow.goal not in g or g.in_degree(flow.goal) == 0:
        return [_no_final(chart)]
    good = nx.ancestors(g, flow.goal) | {flow.goal}
    bad: dict[str, bool] = {}
    for s in reversed(list(chart.states.values())):  # children before parents
        if s.is_history:
            continue
        if s.is_atomic:
            bad[s.id] = active(s.id) not in good
        else:
            kids = [bad[c] for c in s.children if c in bad]
            bad[s.id] = enter(s.id) not in good and active(s.id) not in good and all(kids)
    out: list[Diagnostic] = []
    for s in chart.states.values():
        if s.parent is None or s.is_history or s.is_final or not bad[s.id]:
            continue
        if s.id not in reached or (s.parent != ROOT and bad[s.parent]) or _protected(chart, s):
            continue
        out.append(
            at_state(
                "W402",
                Severity.WARNING,
                f"no final state can be reached from '{s.id}': an instance that gets here can "
                "never finish; expected a transition from it (or from a state it leads to) "
                "towards a final state, or `terminal: true` if instances may rightly stop "
                "here for good",
                s,
            )
        )
    return out


def _no_final(chart: Chart) -> Diagnostic:
    if chart.final_states():
        why = (
            "this chart has no final state at the top level (its final states only end "
            "their parent state), so no instance can ever finish"
        )
    else:
        why = "this chart has no final state, so no instance can ever finish"
    return at_state(
        "W402",
        Severity.WARNING,
        f"{why}; expected a top-level state with `type: final`, or `terminal: true` on the "
        "states where instances may rightly stop for good",
        chart.root,
    )


def _loops(g: nx.DiGraph, transitions: dict[Node, Transition]) -> Iterator[set[Node]]:
    """Strongly connected parts of ``g`` that contain a transition: loops."""
    for comp in nx.strongly_connected_components(g):
        if len(comp) > 1 and any(n in transitions for n in comp):
            yield comp


def _ordered(comp: set[Node], transitions: dict[Node, Transition]) -> list[Transition]:
    return sorted((transitions[n] for n in comp if n in transitions), key=lambda t: t.order)


def _subject(ts: list[Transition]) -> str:
    """``the automatic (`always`) transitions of 'a' and 'b' lead`` (or the singular)."""
    names = list(dict.fromkeys(f"'{t.source}'" for t in ts))
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    if len(ts) == 1:
        return f"the automatic (`always`) transition of {who} leads back to where it starts"
    return f"the automatic (`always`) transitions of {who} lead back to where they start"


def _ended(t: Transition, siblings: list[Transition]) -> bool:
    """A targetless automatic transition after a guarded automatic one that leaves."""
    if not (t.eventless and t.targetless):
        return False
    return any(
        e.eventless and e.guard is not None and e.targets and e.order < t.order for e in siblings
    )


def eventless_cycles(
    chart: Chart, projection: nx.MultiDiGraph, live: Mapping[str, list[Transition]]
) -> list[Diagnostic]:
    """E403 for loops of unguarded automatic transitions; W403 for loops with guards.

    A targetless automatic transition that an earlier guarded automatic transition of the
    same state leaves is a counting loop (``- {target: done, guard: n >= 10}`` then
    ``- actions: [assign: {n: n + 1}]``): the earlier guard ends it, so it is not a loop
    the chart cannot get out of and is left out of both checks.
    """
    if not any(t.eventless for ts in live.values() for t in ts):
        return []
    live = {sid: [t for t in ts if not _ended(t, ts)] for sid, ts in live.items()}
    flow = build_flow(chart, projection, live, eventless=True)
    out: list[Diagnostic] = []
    for comp in _loops(flow.graph, flow.transitions):
        guarded = {n for n in comp if n in flow.transitions and flow.transitions[n].guard}
        strict = flow.graph.subgraph(comp - guarded)
        errors = list(_loops(strict, flow.transitions)) if guarded else [comp]
        for loop in errors:
            ts = _ordered(loop, flow.transitions)
            out.append(
                at_transition(
                    "E403",
                    Severity.ERROR,
                    f"{_subject(ts)} without any guard, so the chart would take "
                    f"{'it' if len(ts) == 1 else 'them'} again and again and never settle; "
                    "expected a guard that stops the loop, or an event (`on:`) instead of "
                    "`always:`",
                    ts[0],
                )
            )
        if not errors:
            ts = _ordered(comp, flow.transitions)
            out.append(
                at_transition(
                    "W403",
                    Severity.WARNING,
                    f"{_subject(ts)}; {'it has a guard' if len(ts) == 1 else 'there are guards'}, "
                    "but whenever the guards around the loop all hold the chart loops forever; "
                    "expected guards that cannot all hold together (for example, an action on "
                    "the loop that makes one of them false)",
                    ts[0],
                )
            )
    return out
