"""Answering "why not?" with data (symfony's TransitionBlocker): blockers, candidates, explanations.

Blocker codes: ``not_in_source_state``, ``guard_false``, ``guard_error``,
``role_not_allowed``, ``note_required``, ``no_transition``, ``bad_event_data``,
``instance_done``, ``internal_event`` (a timer, completion or error event sent from
outside), ``no_pending_call`` (a task outcome sent from outside with no call waiting for
it).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.expr import ClauseResult
from engine.model import Transition

__all__ = [
    "BAD_EVENT_DATA",
    "GUARD_ERROR",
    "GUARD_FALSE",
    "INSTANCE_DONE",
    "INTERNAL_EVENT",
    "NOTE_REQUIRED",
    "NOT_IN_SOURCE_STATE",
    "NO_PENDING_CALL",
    "NO_TRANSITION",
    "ROLE_NOT_ALLOWED",
    "Blocker",
    "Candidate",
    "Explanation",
    "ManualAction",
]

NOT_IN_SOURCE_STATE = "not_in_source_state"
GUARD_FALSE = "guard_false"
GUARD_ERROR = "guard_error"
ROLE_NOT_ALLOWED = "role_not_allowed"
NOTE_REQUIRED = "note_required"
NO_TRANSITION = "no_transition"
BAD_EVENT_DATA = "bad_event_data"
INSTANCE_DONE = "instance_done"
INTERNAL_EVENT = "internal_event"
NO_PENDING_CALL = "no_pending_call"


@dataclass(frozen=True, slots=True)
class Blocker:
    """One reason a transition (or the whole event) could not fire.

    ``clauses`` holds every top-level ``and`` clause of a guard with its value and the
    values it read (``guard_false``/``guard_error`` only).
    """

    code: str
    message: str
    transition: Transition | None = None
    clauses: tuple[ClauseResult, ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A transition whose event descriptor matches the event, and what became of it."""

    transition: Transition
    source_active: bool
    clauses: tuple[ClauseResult, ...]
    blockers: tuple[Blocker, ...]
    taken: bool


@dataclass(frozen=True, slots=True)
class Explanation:
    """Whether an event would be accepted now, and why (not)."""

    event: str
    accepted: bool
    ignored: bool
    candidates: tuple[Candidate, ...]
    blockers: tuple[Blocker, ...]

    def __str__(self) -> str:
        """The explanation in words (``print(engine.explain(...))``): see
        :mod:`engine.runtime.explain_text`."""
        from engine.runtime.explain_text import explanation_text

        return explanation_text(self)


@dataclass(frozen=True, slots=True)
class ManualAction:
    """A manual transition people may take now (its source state is active)."""

    event: str
    label: str
    roles: tuple[str, ...]
    note_required: bool
    transition: Transition
    enabled: bool
    blockers: tuple[Blocker, ...]
