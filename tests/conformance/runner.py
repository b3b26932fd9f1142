"""Runs a chart to completion the way the service would, without a store.

Start the instance, then repeat until it is done or nothing is left to do:
deliver the earliest pending timer that is due now (delayed and undelayed sends, ``after``
timers), else the outcome of the oldest requested task (echoing its input as the result,
like an invoked child that finishes at once), else advance a :class:`ManualClock` to the
next timer. Every macrostep is kept for inspection.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from engine.model import Chart
from engine.runtime import (
    Event,
    InstanceInfo,
    Interpreter,
    MacroStep,
    ManualClock,
    PendingTimer,
    Snapshot,
    TaskRequested,
)

__all__ = ["T0", "Trace", "run_to_completion"]

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class Trace:
    """Every macrostep of one run, and the clock it ran on."""

    clock: ManualClock
    steps: list[MacroStep] = field(default_factory=list)

    @property
    def final(self) -> Snapshot:
        return self.steps[-1].after

    @property
    def events(self) -> list[str]:
        return [m.event.name for m in self.steps if m.event is not None]


def _next_timer(timers: list[PendingTimer]) -> PendingTimer:
    # the earliest due; among equal due times the first scheduled (mapping order)
    return min(timers, key=lambda t: t.due)


def run_to_completion(
    chart: Chart,
    *,
    events: tuple[Event, ...] = (),
    max_steps: int = 200,
    interpreter: Interpreter | None = None,
) -> Trace:
    """Run ``chart`` from its start; ``events`` are sent from outside first, in order."""
    interp = interpreter or Interpreter(chart)
    clock = ManualClock(T0)
    trace = Trace(clock)
    version = 1

    def instance() -> InstanceInfo:
        return InstanceInfo("w3c-1", None, chart.id, version)

    tasks: deque[Event] = deque()
    outside = deque(events)

    def record(step: MacroStep) -> Snapshot:
        trace.steps.append(step)
        for effect in step.effects:
            if isinstance(effect, TaskRequested):
                tasks.append(Event(f"done.invoke.{effect.task}", dict(effect.input), "task"))
        return step.after

    snapshot = record(interp.start({}, clock.now(), instance=instance()))
    for _ in range(max_steps):
        if snapshot.done:
            break
        pending = list(snapshot.timers.values())
        due = [t for t in pending if t.due <= clock.now()]
        if due:
            timer = _next_timer(due)
            event = Event(timer.event, timer.data, "timer")
        elif outside:
            event = outside.popleft()
        elif tasks:
            event = tasks.popleft()
        elif pending:
            timer = _next_timer(pending)
            clock.set(timer.due)
            event = Event(timer.event, timer.data, "timer")
        else:
            break
        version += 1
        snapshot = record(interp.step(snapshot, event, clock.now(), instance=instance()))
    return trace
