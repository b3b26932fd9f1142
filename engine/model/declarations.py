"""Declarations a chart makes besides its states: events, tasks, templates, calendars."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from engine.expr.types import EMPTY_RECORD, RecordType
from engine.model.expression import Expression
from engine.source import Span

__all__ = ["Calendar", "EventDecl", "EventSource", "Rule", "TaskDecl", "TemplateDecl"]


class EventSource(StrEnum):
    INTEGRATION = "integration"
    EXTERNAL = "external"
    MANUAL = "manual"
    INTERNAL = "internal"
    TIMER = "timer"


@dataclass(frozen=True, slots=True)
class EventDecl:
    name: str
    source: EventSource = EventSource.EXTERNAL
    data: RecordType = EMPTY_RECORD
    description: str | None = None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class TaskDecl:
    name: str
    input: RecordType = EMPTY_RECORD
    result: RecordType = EMPTY_RECORD
    description: str | None = None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class TemplateDecl:
    """A notification template; ``body`` holds the text (read from ``body_file`` if given)."""

    name: str
    body: str
    subject: str | None = None
    channel: str | None = None
    body_file: str | None = None
    description: str | None = None
    span: Span | None = None
    #: where each line of the body / subject starts in its file: (file, ((line, col), ...))
    body_origin: tuple[str, tuple[tuple[int, int], ...]] | None = None
    subject_origin: tuple[str, tuple[tuple[int, int], ...]] | None = None


@dataclass(frozen=True, slots=True)
class Calendar:
    """Business hours: open on ``days`` (0 = Monday) from ``opens`` to ``closes``, local time."""

    name: str
    timezone: str
    days: frozenset[int]
    opens: dt.time
    closes: dt.time
    holidays: frozenset[dt.date] = frozenset()
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """A condition the context must always satisfy, with the message people see."""

    check: Expression
    message: str
    span: Span | None = None
