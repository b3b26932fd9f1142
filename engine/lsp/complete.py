"""Completion: what may be written where the cursor is.

State names where a target or an initial state goes; context fields, event data fields and
functions (with their types) in guards and assignments; declared events under ``on:``;
templates, tasks, calendars, charts and roles in their places; the variables of a template.
"""

from __future__ import annotations

from collections.abc import Iterable

from lsprotocol import types

from engine.expr import default_functions
from engine.expr.types import RecordType, strip_optional
from engine.lsp.context import Kind, Spot
from engine.lsp.knowledge import event_type, path_type, state_names, trailing_path
from engine.model import Chart, Notify, StateKind

__all__ = ["completions", "template_variables"]

K = types.CompletionItemKind


def _item(
    label: str, kind: types.CompletionItemKind, detail: str = "", doc: str = "", insert: str = ""
) -> types.CompletionItem:
    return types.CompletionItem(
        label=label,
        kind=kind,
        detail=detail or None,
        documentation=types.MarkupContent(types.MarkupKind.Markdown, doc) if doc else None,
        insert_text=insert or None,
    )


def _states(chart: Chart) -> list[types.CompletionItem]:
    out = []
    for ref, state in state_names(chart).items():
        doc = f"**{state.label}** `{state.id}`" + (
            f"\n\n{state.meta.description}" if state.meta.description else ""
        )
        out.append(_item(ref, K.Class, f"{state.kind.value} state {state.id}", doc))
    return out


def _fields(record: RecordType) -> list[types.CompletionItem]:
    return [_item(f.name, K.Field, f.type.describe()) for f in record.fields]


def _expression(chart: Chart, spot: Spot, before: str) -> list[types.CompletionItem]:
    if before.rstrip().endswith("In('") or before.endswith('In("'):
        return _states(chart)
    typed = trailing_path(before)
    if "." in typed:
        base = typed.rsplit(".", 1)[0].split(".")
        found = path_type(chart, base, spot.path)
        target = strip_optional(found) if found is not None else None
        return _fields(target) if isinstance(target, RecordType) else []
    out = _fields(chart.context)
    event = event_type(chart, spot.path)
    if event is not None and event.fields:
        names = ", ".join(f.name for f in event.fields)
        out.append(_item("event", K.Variable, f"the event's data: {names}"))
    out.append(
        _item(
            "_event",
            K.Variable,
            "the event being processed: _event.name, .actor, .note, .client_note",
        )
    )
    for fn in default_functions():
        out.append(_item(fn.name, K.Function, fn.describe(), fn.doc, f"{fn.name}("))
    out.append(
        _item("In", K.Function, "In('state') -> boolean", "true while that state is active", "In('")
    )
    for word in ("and", "or", "not", "in", "true", "false", "null"):
        out.append(_item(word, K.Keyword))
    return out


def _events(chart: Chart) -> list[types.CompletionItem]:
    out = [
        _item(name, K.Event, f"{e.source.value} event", ", ".join(f.name for f in e.data.fields))
        for name, e in chart.events.items()
    ]
    for task in chart.tasks:
        out.append(_item(f"done.invoke.{task}", K.Event, f"task {task} finished"))
        out.append(_item(f"error.invoke.{task}", K.Event, f"task {task} failed"))
    for sid, s in chart.states.items():
        if s.kind is StateKind.COMPOUND and any(chart.states[c].is_final for c in s.children):
            out.append(_item(f"done.state.{sid}", K.Event, f"'{sid}' reached a final state"))
    return out


def template_variables(chart: Chart, template: str) -> list[types.CompletionItem]:
    """What a template may use: context fields, ``event``, ``instance``, its data keys."""
    out = _fields(chart.context)
    out.append(_item("event", K.Variable, "the data of the event being processed"))
    out.append(_item("instance", K.Variable, "the instance: id, key, chart"))
    keys = {
        k
        for a in chart.actions()
        if isinstance(a, Notify) and template in (a.choices or (a.template,))
        for k, _ in a.data
    }
    out += [_item(k, K.Variable, "passed by a notify action's data") for k in sorted(keys)]
    return out


def _roles(charts: Iterable[Chart]) -> list[types.CompletionItem]:
    roles = {r for c in charts for t in c.transitions() if t.manual for r in t.manual.roles}
    return [_item(r, K.Constant, "a role used in these charts") for r in sorted(roles)]


def completions(
    chart: Chart, charts: list[Chart], spot: Spot, before: str
) -> list[types.CompletionItem]:
    """What may be written at ``spot``; ``before`` is the line's text before the cursor."""
    kind = spot.kind
    if len(spot.path) >= 3 and spot.path[0] == "templates" and spot.path[-1] in ("body", "subject"):
        return template_variables(chart, str(spot.path[1]))
    if kind is Kind.STATE:
        return _states(chart)
    if kind is Kind.EXPRESSION:
        return _expression(chart, spot, before)
    if kind is Kind.EVENT:
        return _events(chart)
    if kind is Kind.TEMPLATE:
        return [_item(n, K.File, t.subject or "", t.body[:200]) for n, t in chart.templates.items()]
    if kind is Kind.TASK:
        return [_item(n, K.Method, t.description or "") for n, t in chart.tasks.items()]
    if kind is Kind.CALENDAR:
        return [_item(n, K.Value, c.timezone) for n, c in chart.calendars.items()]
    if kind is Kind.CHART:
        return [_item(c.id, K.Module, c.title or "") for c in charts]
    if kind is Kind.ROLE:
        return _roles(charts)
    return []
