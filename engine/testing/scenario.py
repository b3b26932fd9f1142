"""Scenarios: a chart, a start, and steps that drive it and check what happened.

The file format is described in docs/testing.md; :mod:`.loading` reads it. Every step
keeps the span of its YAML so a failure points at the line that expected it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from engine.source import Span

__all__ = [
    "AdvanceStep",
    "ExpectRefusedStep",
    "ExpectStep",
    "NoteStep",
    "Scenario",
    "SendStep",
    "StartStep",
    "Step",
    "Target",
    "TaskStep",
]


@dataclass(frozen=True, slots=True)
class Target:
    """Which instance a step is about: a business key, optionally with its chart id."""

    key: str
    chart: str | None = None

    def __str__(self) -> str:
        return f"{self.chart}:{self.key}" if self.chart else self.key


@dataclass(frozen=True, slots=True)
class SendStep:
    event: str
    data: Mapping[str, Any] = field(default_factory=dict)
    actor: str | None = None
    roles: tuple[str, ...] | None = None
    note: str | None = None
    client_note: str | None = None
    instance: Target | None = None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class AdvanceStep:
    """Move the clock by ``delta`` (or to ``to``) and fire the timers that fall due."""

    delta: timedelta | None = None
    to: datetime | None = None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class TaskStep:
    """How a task answers: its pending call now, or else the next call (of ``instance``'s,
    when given; else of any instance, oldest first)."""

    name: str
    result: Mapping[str, Any] | None = None
    error: str | None = None
    span: Span | None = None
    instance: Target | None = None


@dataclass(frozen=True, slots=True)
class NoteStep:
    text: str
    actor: str | None = None
    instance: Target | None = None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class StartStep:
    """Start one more instance (of the scenario's chart, or of ``chart``, a path)."""

    context: Mapping[str, Any]
    key: str | None = None
    chart: Path | None = None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class ExpectStep:
    """Checks on one instance; ``checks`` maps a check name to its expected value."""

    checks: Mapping[str, Any]
    instance: Target | None = None
    roles: tuple[str, ...] | None = None
    spans: Mapping[str, Span | None] = field(default_factory=dict)
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class ExpectRefusedStep:
    """Send an event that must be refused (optionally by a given blocker code)."""

    event: str
    data: Mapping[str, Any] = field(default_factory=dict)
    actor: str | None = None
    roles: tuple[str, ...] | None = None
    note: str | None = None
    blocker: str | None = None
    instance: Target | None = None
    span: Span | None = None


Step = SendStep | AdvanceStep | TaskStep | NoteStep | StartStep | ExpectStep | ExpectRefusedStep


@dataclass(frozen=True, slots=True)
class Scenario:
    file: str
    name: str
    chart: Path
    steps: tuple[Step, ...]
    context: Mapping[str, Any] = field(default_factory=dict)
    charts: tuple[Path, ...] = ()
    start: datetime | None = None
    key: str | None = None
    description: str | None = None
    span: Span | None = None
    context_span: Span | None = None
    #: a known gap: the scenario is expected to fail, for this reason
    xfail: str | None = None
