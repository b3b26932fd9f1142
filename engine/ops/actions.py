"""The buttons a person may press on an instance, and why an event would be refused.

:func:`actions_for` lists the chart's manual actions whose source state is active and
whose ``manual.roles`` the caller has, each enabled or disabled with the reasons in words
(a guard that does not hold names each failing clause with the values it read).
:func:`explain` answers "why (not)?" for any event as plain values: every candidate
transition, each guard clause with its result and values, and the blockers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.jsonvalues import plain

if TYPE_CHECKING:
    from engine.runtime import Blocker, Explanation
    from engine.service import Engine

__all__ = ["ActionView", "actions_for", "explain", "explanation", "explanation_data"]


@dataclass(frozen=True, slots=True)
class ActionView:
    """One manual action of an instance, as a button."""

    event: str
    label: str
    description: str | None
    roles: tuple[str, ...]
    note_required: bool
    enabled: bool
    #: why it cannot be taken now (empty when enabled)
    reasons: tuple[str, ...]

    def data(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "label": self.label,
            "description": self.description,
            "roles": list(self.roles),
            "note_required": self.note_required,
            "enabled": self.enabled,
            "reasons": list(self.reasons),
        }


def actions_for(engine: Engine, instance_id: str, roles: Iterable[str] | None) -> list[ActionView]:
    """The manual actions ``roles`` may take on the instance now, enabled or not (an
    action offered by several transitions is one button: enabled when any of them is)."""
    found = engine.available_events(instance_id, roles=roles, include_disabled=True)
    merged: dict[str, ActionView] = {}
    for a in found:
        view = ActionView(
            a.event,
            a.label,
            a.transition.manual.description if a.transition.manual else None,
            a.roles,
            a.note_required,
            a.enabled,
            tuple(b.message for b in a.blockers),
        )
        before = merged.get(a.event)
        if before is None or (view.enabled and not before.enabled):
            merged[a.event] = view
        elif not before.enabled and not view.enabled:
            merged[a.event] = _join(before, view)
    return list(merged.values())


def _join(a: ActionView, b: ActionView) -> ActionView:
    reasons = tuple(dict.fromkeys((*a.reasons, *b.reasons)))
    return ActionView(a.event, a.label, a.description, a.roles, a.note_required, False, reasons)


def _blocker(b: Blocker) -> dict[str, Any]:
    return {
        "code": b.code,
        "message": b.message,
        "transition": None if b.transition is None else b.transition.describe(),
    }


def explanation_data(found: Explanation) -> dict[str, Any]:
    """An :class:`~engine.runtime.Explanation` as plain JSON values."""
    return {
        "event": found.event,
        "accepted": found.accepted,
        "ignored": found.ignored,
        "text": str(found),
        "blockers": [_blocker(b) for b in found.blockers],
        "candidates": [
            {
                "transition": c.transition.describe(),
                "source_active": c.source_active,
                "taken": c.taken,
                "clauses": [
                    {
                        "text": k.text,
                        "passed": k.passed,
                        "error": None if isinstance(k.result, bool) else str(k.result),
                        "values": plain(k.values),
                    }
                    for k in c.clauses
                ],
                "blockers": [_blocker(b) for b in c.blockers],
            }
            for c in found.candidates
        ],
    }


def explanation(
    engine: Engine,
    instance_id: str,
    event: str,
    data: Mapping[str, Any] | None = None,
    *,
    roles: Iterable[str] | None = None,
    actor: str | None = None,
    note: str | None = None,
) -> Explanation:
    """What ``event`` would do to the instance now; ``str()`` of it is the text people read
    (``statewise explain``), :func:`explanation_data` the data tools read."""
    return engine.explain(instance_id, event, data, roles=roles, actor=actor, note=note)


def explain(
    engine: Engine,
    instance_id: str,
    event: str,
    data: Mapping[str, Any] | None = None,
    *,
    roles: Iterable[str] | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Why ``event`` would (not) be taken now, with every guard clause and its values."""
    return explanation_data(explanation(engine, instance_id, event, data, roles=roles, note=note))
