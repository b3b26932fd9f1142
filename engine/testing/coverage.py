"""Which states and transitions the scenarios visited, per chart.

A :class:`Coverage` is a step listener: the runner hands it to every engine it builds,
so task outcomes, timers and spawned children count too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.model import Chart, State, StateKind, Transition
from engine.runtime import InstanceInfo, MacroStep

__all__ = ["ChartCoverage", "Coverage"]


def _countable_states(chart: Chart) -> list[State]:
    return [s for s in chart.states.values() if s.id and s.kind is not StateKind.HISTORY]


def _countable_transitions(chart: Chart) -> list[Transition]:
    return [t for t in chart.transitions() if not chart.states[t.source].is_history]


def _tkey(t: Transition) -> tuple[str, int]:
    return (t.source, t.order)


@dataclass(slots=True)
class ChartCoverage:
    chart: Chart
    states: set[str] = field(default_factory=set)
    transitions: set[tuple[str, int]] = field(default_factory=set)

    @property
    def states_total(self) -> int:
        return len(_countable_states(self.chart))

    @property
    def transitions_total(self) -> int:
        return len(_countable_transitions(self.chart))

    def unvisited_states(self) -> list[str]:
        return [s.id for s in _countable_states(self.chart) if s.id not in self.states]

    def untaken_transitions(self) -> list[Transition]:
        return [t for t in _countable_transitions(self.chart) if _tkey(t) not in self.transitions]

    def summary(self) -> str:
        states = len(self.states & {s.id for s in _countable_states(self.chart)})
        taken = self.transitions_total - len(self.untaken_transitions())
        return (
            f"{self.chart.id}: states {states}/{self.states_total}, "
            f"transitions {taken}/{self.transitions_total}"
        )


class Coverage:
    """Collects visited states and taken transitions from every committed step."""

    def __init__(self) -> None:
        self.charts: dict[str, ChartCoverage] = {}

    def add_chart(self, chart: Chart) -> None:
        if chart.id not in self.charts:
            self.charts[chart.id] = ChartCoverage(chart)

    def __call__(self, instance: InstanceInfo, step: MacroStep) -> None:
        cov = self.charts.get(instance.chart)
        if cov is None:
            return
        cov.states.update(step.after.configuration)
        for micro in step.microsteps:
            cov.states.update(micro.entered)
            cov.transitions.update(_tkey(t) for t in micro.transitions)

    def report(self) -> str:
        """Per chart: visited counts, then the states and transitions never touched."""
        lines = []
        for cov in sorted(self.charts.values(), key=lambda c: c.chart.id):
            lines.append(cov.summary())
            states = cov.unvisited_states()
            if states:
                lines.append(f"  states never visited: {', '.join(states)}")
            transitions = cov.untaken_transitions()
            if transitions:
                lines.append("  transitions never taken:")
                lines.extend(f"    {t.describe()}" for t in transitions)
        return "\n".join(lines)
