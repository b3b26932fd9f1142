"""Shared helpers of the runtime tests: load a chart from text, start, send."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from engine.loader import load_text
from engine.model import Chart
from engine.runtime import (
    Event,
    InstanceInfo,
    Interpreter,
    LogEntry,
    MacroStep,
    Snapshot,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday


def chart(text: str, name: str = "<test>") -> Chart:
    return load_text(text, name)


def instance(chart: Chart, version: int = 1) -> InstanceInfo:
    return InstanceInfo("i-1", "K-1", chart.id, version)


class Machine:
    """An interpreter plus the current snapshot, for step-by-step tests."""

    def __init__(self, text: str, context: Mapping[str, Any] | None = None, **kw: Any) -> None:
        self.chart = chart(text)
        self.interp = Interpreter(self.chart, **kw)
        self.now = T0
        self.version = 1
        self.last = self.interp.start(context or {}, self.now, instance=self.info())
        self.snapshot = self.last.after

    def info(self) -> InstanceInfo:
        return InstanceInfo("i-1", "K-1", self.chart.id, self.version)

    def send(self, name: str, data: Mapping[str, Any] | None = None, **kw: Any) -> MacroStep:
        self.version += 1
        event = Event(name, data or {}, **kw)
        self.last = self.interp.step(self.snapshot, event, self.now, instance=self.info())
        self.snapshot = self.last.after
        return self.last

    @property
    def config(self) -> set[str]:
        return set(self.snapshot.configuration)


def logs(step: MacroStep) -> list[str]:
    return [e.message for e in step.effects if isinstance(e, LogEntry)]


def snapshot_copy(s: Snapshot) -> tuple[Any, ...]:
    """A deep, comparable copy of a snapshot's content."""
    return (
        frozenset(s.configuration),
        repr(dict(s.context)),
        repr(dict(s.history)),
        repr(dict(s.timers)),
        s.done,
    )
