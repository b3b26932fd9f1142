"""Typed values at the edge: the start context and the data of incoming events.

Both come from outside (JSON, the CLI, an integration), so they are coerced with
:mod:`engine.expr.values` into the types the chart declares before any expression
reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.expr.types import INTEGER, STRING, Field, OptionalType, RecordType
from engine.expr.values import coerce, coerce_record
from engine.model import Action, Chart, If, Spawn
from engine.runtime.errors import ContextError

__all__ = ["coerce_context", "event_data_types"]

_ERROR = RecordType((Field("message", STRING),))
_SPAWNED = RecordType((Field("count", INTEGER),))


def coerce_context(chart: Chart, given: Mapping[str, Any]) -> dict[str, Any]:
    """The start context: ``given`` over the chart's defaults, every field coerced.

    Raises :class:`ContextError` listing every problem (unknown, missing, mistyped).
    """
    record = chart.context
    problems: list[str] = []
    known = {f.name for f in record.fields}
    for name in given:
        if name not in known:
            expected = ", ".join(sorted(known)) or "no fields"
            problems.append(f"unknown field '{name}'; expected one of: {expected}")
    out: dict[str, Any] = {}
    for f in record.fields:
        if f.name in given:
            value = given[f.name]
        elif f.name in chart.defaults:
            value = chart.defaults[f.name]
        elif isinstance(f.type, OptionalType):
            out[f.name] = None
            continue
        else:
            problems.append(f"missing field '{f.name}' ({f.type.describe()})")
            continue
        try:
            out[f.name] = coerce(value, f.type)
        except ValueError as exc:
            problems.append(f"{f.name}: {exc}")
    if problems:
        raise ContextError(problems)
    return out


def _spawn_ids(actions: tuple[Action, ...], out: set[str]) -> None:
    for a in actions:
        if isinstance(a, Spawn):
            out.add(a.id)
        elif isinstance(a, If):
            _spawn_ids(a.then, out)
            _spawn_ids(a.otherwise, out)


def event_data_types(chart: Chart) -> dict[str, RecordType]:
    """Event name -> the record its data must fit, for events whose data is declared:
    ``events:`` entries with data, task outcomes and spawn completions."""
    types = {name: decl.data for name, decl in chart.events.items() if decl.data.fields}
    for name, task in chart.tasks.items():
        if task.result.fields:
            types[f"done.invoke.{name}"] = task.result
        types[f"error.invoke.{name}"] = _ERROR
    spawns: set[str] = set()
    for state in chart.states.values():
        _spawn_ids(state.entry, spawns)
        _spawn_ids(state.exit, spawns)
        for t in state.transitions:
            _spawn_ids(t.actions, spawns)
    for spawn_id in spawns:
        types[f"done.spawn.{spawn_id}"] = _SPAWNED
    return types


def coerce_event_data(record: RecordType, data: Mapping[str, Any]) -> dict[str, Any]:
    """The event's data as the declared types; ValueError says what is wrong."""
    return coerce_record(dict(data), record)
