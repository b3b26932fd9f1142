"""What a chart means, as plain data: the identity of a chart version.

:func:`meaning` turns a :class:`~engine.model.Chart` into a JSON-able document holding
everything that decides how instances behave and what they send: states and their kinds,
initial states, transitions (events, targets, guards, actions, who may take them),
timers, tasks, the context's types and defaults, events and their data, calendars,
rules, and the templates' channel, subject and body. Expressions are written in their
normal form (``unparse``), so spacing, quoting and parentheses do not count; mappings are
compared by key, so key order does not count; comments and layout never reach the model.
Order is kept only where it decides something: transitions of one state on the same event
(or all of a state's evented transitions when it uses wildcards), actions, assignment
items, parallel regions (entry order) and rules.

Presentation is left out on purpose: titles, descriptions, labels (of states, transitions
and manual actions), queues, status codes, tags, ``terminal`` and ``metadata``. Changing them
changes no behaviour, so a running instance can show the new wording without a new version.

:func:`fingerprint` is the SHA-256 of the canonical JSON; :func:`changes` names, in words,
what differs between two meanings (``statewise diff``, ``validate --db``, ``deploy``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from engine.expr.ast import unparse
from engine.expr.types import RecordType, Type
from engine.model.actions import (
    Action,
    Assign,
    Cancel,
    If,
    Log,
    Notify,
    Raise,
    Send,
    Spawn,
    StartInstance,
    StartTask,
)
from engine.model.chart import Chart
from engine.model.expression import Expression
from engine.model.states import ROOT, State, StateKind
from engine.model.transitions import Transition

__all__ = ["changes", "fingerprint", "meaning"]

Doc = dict[str, Any]


def _expr(e: Expression | None) -> str | None:
    return None if e is None else unparse(e.expr)


def _data(items: Iterable[tuple[str, Expression]]) -> Doc:
    return {name: _expr(e) for name, e in items}


def _record(t: RecordType) -> Doc:
    return {f.name: _type(f.type) + (" (default)" if f.has_default else "") for f in t.fields}


def _type(t: Type) -> str:
    return t.describe()


def _action(a: Action) -> Doc:
    match a:
        case Assign(items=items):
            return {"assign": [[_expr(t), _expr(v)] for t, v in items]}
        case If(condition=c, then=then, otherwise=otherwise):
            return {"if": _expr(c), "then": _actions(then), "else": _actions(otherwise)}
        case Raise(event=event, data=data):
            return {"raise": event, "data": _data(data)}
        case Send(event=event, target=t, delay=delay, id=sid, data=data):
            to = {"kind": t.kind, "chart": t.chart, "key": _expr(t.key)}
            return {"send": event, "to": to, "delay": _expr(delay), "id": sid, "data": _data(data)}
        case Cancel(id=sid):
            return {"cancel": sid}
        case Notify(template=template, channel=channel, to=to, data=data):
            recipients = [_expr(r) for r in to]
            out: Doc = {
                "notify": template,
                "channel": channel,
                "to": recipients,
                "data": _data(data),
            }
            if a.template_from is not None:  # only when given: older charts keep theirs
                out["template_from"] = _expr(a.template_from)
            if a.sender is not None:
                out["sender"] = _expr(a.sender)
            return out
        case StartTask(task=task, input=data):
            return {"task": task, "input": _data(data)}
        case Spawn(id=sid, chart=chart, for_each=fe, item_name=item, context=ctx, key=key):
            return {
                "spawn": chart,
                "id": sid,
                "for_each": _expr(fe),
                "as": item,
                "context": _data(ctx),
                "key": _expr(key),
            }
        case StartInstance(chart=chart, key=key, context=ctx):
            return {"start": chart, "key": _expr(key), "context": _data(ctx)}
        case Log(message=message):
            return {"log": _expr(message)}
    raise TypeError(f"not an action: {a!r}")  # pragma: no cover


def _actions(actions: Iterable[Action]) -> list[Doc]:
    return [_action(a) for a in actions]


def _transition(t: Transition) -> Doc:
    out: Doc = {
        "targets": sorted(t.targets),
        "guard": _expr(t.guard),
        "actions": _actions(t.actions),
        "internal": t.kind.value == "internal",
    }
    if t.manual is not None:
        out["manual"] = {"roles": sorted(t.manual.roles), "note_required": t.manual.note_required}
    if t.timer is not None:
        timer = t.timer
        out["timer"] = {
            "delay": _expr(timer.delay),
            "open_days": _expr(timer.open_days),
            "calendar": timer.calendar or _expr(timer.calendar_field),
        }
    return out


def _trigger(t: Transition) -> str:
    if t.timer is not None:
        return "after #" + t.timer.event.rsplit(".", 1)[1]
    if not t.events:
        return "always"
    return "on " + ", ".join(t.events)


def _transitions(state: State) -> Doc:
    groups: Doc = {}
    for t in state.transitions:
        groups.setdefault(_trigger(t), []).append(_transition(t))
    out: Doc = {"transitions": groups}
    if any("*" in e for t in state.transitions for e in t.events):
        out["order"] = list(dict.fromkeys(_trigger(t) for t in state.transitions if t.events))
    return out


def _state(chart: Chart, state: State) -> Doc:
    out: Doc = {"kind": state.kind.value}
    if state.kind is StateKind.PARALLEL:
        out["regions"] = [chart.states[c].name for c in state.children]
    if state.initial:
        out["initial"] = sorted(state.initial)
    if state.initial_actions:
        out["initial actions"] = _actions(state.initial_actions)
    if state.history is not None:
        out["history"] = state.history.value
    for key, actions in (("entry", state.entry), ("exit", state.exit)):
        if actions:
            out[key] = _actions(actions)
    if state.invoke:
        out["invoke"] = [{"task": i.task, "input": _data(i.input)} for i in state.invoke]
    if state.ignore:
        out["ignore"] = sorted(state.ignore)
    if state.transitions:
        out.update(_transitions(state))
    return out


def meaning(chart: Chart) -> Doc:
    """The chart's meaning as plain JSON-able data (see the module doc for what counts)."""
    root = chart.states[ROOT]
    doc: Doc = {
        "context": {f.name: _type(f.type) for f in chart.context.fields},
        "defaults": {k: _value(v) for k, v in chart.defaults.items()},
        "events": {
            n: {"source": e.source.value, "data": _record(e.data)} for n, e in chart.events.items()
        },
        "tasks": {
            n: {"input": _record(t.input), "result": _record(t.result)}
            for n, t in chart.tasks.items()
        },
        "templates": {
            n: {
                "channel": t.channel,
                "subject": _text(t.subject),
                "body": _text(t.body),
            }
            for n, t in chart.templates.items()
        },
        "calendars": {
            n: {
                "timezone": c.timezone,
                "days": sorted(c.days),
                "opens": c.opens.isoformat(),
                "closes": c.closes.isoformat(),
                "holidays": sorted(d.isoformat() for d in c.holidays),
            }
            for n, c in chart.calendars.items()
        },
        "ignore": sorted(chart.ignore),
        "rules": [{"check": _expr(r.check), "message": r.message} for r in chart.rules],
        "start": _state(chart, root),
        "states": {sid: _state(chart, s) for sid, s in chart.states.items() if sid != ROOT},
    }
    policy = chart.notification_policy
    if policy is not None:  # only when given: the meaning of older charts stays as it was
        doc["notification_policy"] = {
            "scope": _expr(policy.scope),
            "rules": {
                key: {t: [r.action, list(r.to), r.reason] for t, r in rules.items()}
                for key, rules in policy.rules.items()
            },
        }
    return doc


def _text(text: str | None) -> str | None:
    return None if text is None else text.replace("\r\n", "\n")


def _value(value: Any) -> Any:
    """A default value as JSON (dates, decimals and durations as text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items()}
    return str(value)


def canonical(doc: Doc) -> str:
    """The one text a meaning is written as (sorted keys, no spaces)."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(chart: Chart) -> str:
    """The SHA-256 of the chart's canonical meaning: equal meaning, equal fingerprint."""
    return hashlib.sha256(canonical(meaning(chart)).encode()).hexdigest()


# -- naming what changed ----------------------------------------------------------------
def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    text = " ".join(str(text).split())
    return text if len(text) <= 80 else text[:77] + "..."


def _walk(old: Any, new: Any, path: str, out: list[str]) -> None:
    if old == new:
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in old.keys() - new.keys():
            out.append(f"{path}{key}: removed")
        for key in new.keys() - old.keys():
            out.append(f"{path}{key}: added")
        for key in old.keys() & new.keys():
            _walk(old[key], new[key], f"{path}{key}.", out)
        return
    where = path.rstrip(".")
    scalars = (str, int, float, bool)
    lists = isinstance(old, list) and isinstance(new, list)
    if lists and all(isinstance(v, scalars) for v in (*old, *new)):
        gone = [v for v in old if v not in new]
        added = [v for v in new if v not in old]
        parts = [f"added {', '.join(map(str, added))}"] if added else []
        parts += [f"removed {', '.join(map(str, gone))}"] if gone else []
        out.append(f"{where}: " + ("; ".join(parts) or f"{_short(old)} -> {_short(new)}"))
        return
    if lists:
        for i in range(max(len(old), len(new))):
            if i >= len(old):
                out.append(f"{where}[{i}]: added {_short(new[i])}")
            elif i >= len(new):
                out.append(f"{where}[{i}]: removed {_short(old[i])}")
            else:
                _walk(old[i], new[i], f"{where}[{i}].", out)
        return
    if old is None:
        out.append(f"{where}: now {_short(new)}")
    elif new is None:
        out.append(f"{where}: was {_short(old)}, now none")
    else:
        out.append(f"{where}: {_short(old)} -> {_short(new)}")


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What differs between two meanings, one line each, sorted: ``states.pending.
    transitions.on approve: ...``, ``templates.approved.body: ...``."""
    out: list[str] = []
    _walk(old, new, "", out)
    return sorted(out)
