"""What a step did, as plain comparable values: the context fields it changed and the
effects it asked the outside world for.

The service records both with every step (a SQL store keeps them in the audit trail), and
``statewise replay`` computes the same values for a candidate chart and compares them, so
the two sides are built by these functions and nothing else. Effect summaries are *plain*
(mappings become dicts and sequences lists, recursively); context values are kept as they
are and compared through :func:`plain`, so a value read back from the store equals the one
computed now.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.runtime.effects import (
    Effect,
    EventForInstance,
    NotifyRequested,
    ScheduleTimer,
    SpawnRequested,
    StartRequested,
    TaskRequested,
)

__all__ = ["context_changes", "effect_summaries", "effect_summary", "plain"]

_MISSING = object()


def plain(value: Any) -> Any:
    """``value`` with mappings as dicts and lists, tuples and sets as lists (recursively)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=repr)
    return value


def context_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``after`` that differ from ``before``, with their new values as they
    are (compare them through :func:`plain`); a field that is gone maps to None. Empty when
    the step assigned nothing (the usual step keeps the very same mapping, so this costs
    one identity test)."""
    if before is after:
        return {}
    out: dict[str, Any] = {}
    for key, value in after.items():
        old = before.get(key, _MISSING)
        if old is not value and old != value:
            out[key] = value
    for key in before:
        if key not in after:
            out[key] = None
    return out


def effect_summary(effect: Effect) -> dict[str, Any] | None:
    """What one effect asks for, without its delivery details (call ids, notification
    variables); None for effects that stay inside the instance (cancelled timers, log lines)."""
    if isinstance(effect, NotifyRequested):
        return {"notify": effect.template, "channel": effect.channel, "to": list(effect.recipients)}
    if isinstance(effect, TaskRequested):
        return {"task": effect.task, "input": plain(effect.input)}
    if isinstance(effect, ScheduleTimer):
        timer = effect.timer
        found: dict[str, Any] = {"timer": timer.event, "due": timer.due}
        if timer.data:
            found["data"] = plain(timer.data)
        return found
    if isinstance(effect, SpawnRequested):
        children = [{"key": c.key, "context": plain(c.context)} for c in effect.children]
        return {"spawn": effect.spawn_id, "chart": effect.chart, "children": children}
    if isinstance(effect, StartRequested):
        return {"start": effect.chart, "key": effect.key, "context": plain(effect.context)}
    if isinstance(effect, EventForInstance):
        sent: dict[str, Any] = {"send": effect.event.name, "to": effect.target}
        if effect.chart is not None:
            sent["chart"], sent["key"] = effect.chart, effect.key
        if effect.event.data:
            sent["data"] = plain(effect.event.data)
        return sent
    return None


def effect_summaries(effects: Sequence[Effect]) -> list[dict[str, Any]]:
    """:func:`effect_summary` of each effect that reaches outside the instance, in order."""
    out = []
    for effect in effects:
        found = effect_summary(effect)
        if found is not None:
            out.append(found)
    return out
