"""Small helpers to turn findings into diagnostics that point at states and transitions."""

from __future__ import annotations

from engine.errors import Diagnostic, Severity
from engine.model import ROOT, State, Transition
from engine.source import Span

__all__ = ["at_state", "at_transition", "describe", "name", "where"]


def at_state(code: str, severity: Severity, message: str, state: State) -> Diagnostic:
    return Diagnostic(code, severity, message, state.span, state.path)


def at_transition(code: str, severity: Severity, message: str, t: Transition) -> Diagnostic:
    return Diagnostic(code, severity, message, t.span, t.path)


def name(sid: str) -> str:
    """A state id as people read it in messages."""
    return "the chart itself" if sid == ROOT else f"'{sid}'"


def where(span: Span | None, file: str) -> str:
    """``line 12`` (or ``line 12 of fragments/common.yaml`` when it sits in another file)."""
    if span is None:
        return "an earlier line"
    return f"line {span.line}" if span.file == file else f"line {span.line} of {span.file}"


def describe(t: Transition) -> str:
    """``the transition on 'pay'`` / ``the automatic transition`` for messages."""
    if t.eventless:
        return "the automatic (`always`) transition"
    events = ", ".join(f"'{e}'" for e in t.events)
    return f"the transition on {events}"
