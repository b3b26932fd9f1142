"""Declarations and events that do not fit together (W406-W409).

W406: an event a transition waits for that nothing can ever send. W407: a declared event
no transition reacts to. W408: a declared task nothing runs. W409: a declared template no
``notify`` uses. Event descriptors match as :func:`engine.model.matches` says: a plain descriptor matches
exactly that event, ``payment.*`` matches ``payment`` and every event below it, ``*`` all.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from engine.analysis.overlap import covers
from engine.errors import Diagnostic, Severity
from engine.model import (
    Chart,
    Notify,
    Raise,
    Send,
    Spawn,
    StartTask,
    Transition,
    Trigger,
)

__all__ = ["Usage", "collect_usage", "unsendable_events", "unused_declarations"]

_DONE_STATE = "done.state."


@dataclass(slots=True)
class Usage:
    """What a chart's states and actions send, run and use."""

    sendable: set[str] = field(default_factory=set)  # event names that can arrive
    tasks: set[str] = field(default_factory=set)  # tasks invoked or started
    templates: set[str] = field(default_factory=set)  # templates used by notify


def _can_complete(chart: Chart, sid: str) -> bool:
    """Does ``sid`` ever raise ``done.state.<sid>``: a compound with a final child, or a
    parallel state whose every region is final or has a final child?"""
    s = chart.states[sid]
    kids = [chart.states[c] for c in s.children if not chart.states[c].is_history]
    if s.is_compound:
        return any(k.is_final for k in kids)
    if s.is_parallel:
        return bool(kids) and all(k.is_final or _can_complete(chart, k.id) for k in kids)
    return False


def _to_self(send: Send, chart: Chart) -> bool:
    """Does ``send`` reach an instance of this chart (itself, or a related one)?"""
    return send.target.kind == "self" or (
        send.target.kind == "related" and send.target.chart == chart.id
    )


def collect_usage(chart: Chart) -> Usage:
    u = Usage(sendable=set(chart.events))
    for a in chart.actions():
        if isinstance(a, Raise) or (isinstance(a, Send) and _to_self(a, chart)):
            u.sendable.add(a.event)
        elif isinstance(a, StartTask):
            u.tasks.add(a.task)
        elif isinstance(a, Spawn):
            u.sendable.add(f"done.spawn.{a.id}")
        elif isinstance(a, Notify):
            u.templates.update(a.choices or (a.template,))
    for s in chart.states.values():
        u.tasks.update(i.task for i in s.invoke)
        if s.id and _can_complete(chart, s.id):
            u.sendable.add(f"{_DONE_STATE}{s.id}")
        for t in s.transitions:
            if t.manual is not None:
                u.sendable.update(t.events)
            if t.timer is not None:
                u.sendable.add(t.timer.event)
    for task in u.tasks:
        u.sendable.update((f"done.invoke.{task}", f"error.invoke.{task}"))
    return u


def _prefixes(names: Iterable[str]) -> set[str]:
    """``a``, ``a.b`` and ``a.b.c`` for ``a.b.c``: what ``X.*`` must name to match it."""
    out: set[str] = set()
    for n in names:
        parts = n.split(".")
        out.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return out


def _sendable(d: str, usage: Usage, prefixes: set[str]) -> bool:
    """Does some event that can arrive match the descriptor ``d``?"""
    if d == "*":
        return bool(usage.sendable)
    if d.endswith(".*"):
        return d[:-2] in prefixes
    return d in usage.sendable


def _why(d: str, chart: Chart, known: list[str]) -> str:
    x = d[len(_DONE_STATE) :]
    if d.startswith(_DONE_STATE) and x in chart.states:
        if chart.states[x].is_compound:
            why = "it has no child state with `type: final`"
            fix = f"a child state of '{x}' with `type: final`"
        else:
            why = "not every one of its regions has a final state"
            fix = f"a state with `type: final` in each region of '{x}'"
        return (
            f"the event '{d}' is never raised: '{x}' completes only when it reaches a final "
            f"state, and {why}; expected {fix}, or another event"
        )
    close = difflib.get_close_matches(d, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (
        f"nothing can ever send the event '{d}' to this chart{hint}: it is not a manual "
        "action, not declared under `events:`, not raised or sent by any action, and not a "
        "timer or the outcome of a task, spawn or state; expected it declared under "
        "`events:` (events that other charts send here, such as a child's "
        "`send: {to: parent}`, must be declared there too)"
    )


def _checked(t: Transition) -> bool:
    return t.trigger in (Trigger.EVENT, Trigger.MANUAL, Trigger.TASK) and bool(t.events)


def unsendable_events(chart: Chart, usage: Usage) -> list[Diagnostic]:
    """W406 for every event descriptor in `on:` that no event that can arrive matches."""
    prefixes = _prefixes(usage.sendable)
    known = sorted(usage.sendable)
    out: list[Diagnostic] = []
    for s in chart.states.values():
        if s.is_history:
            continue
        reported: set[str] = set()  # one report per event and state
        for t in s.transitions:
            if not _checked(t):
                continue
            for d in t.events:
                if d in reported or _sendable(d, usage, prefixes):
                    continue
                reported.add(d)
                if any(covers(i, d) for i in chart.ignore):
                    continue
                out.append(
                    Diagnostic(
                        "W406",
                        Severity.WARNING,
                        _why(d, chart, known),
                        t.event_span or t.span,
                        t.path,
                    )
                )
    return out


def unused_declarations(chart: Chart, usage: Usage) -> list[Diagnostic]:
    """W407 unused events, W408 tasks never run, W409 templates never used."""
    used = {d for t in chart.transitions() if _checked(t) for d in t.events}
    below = {d[:-2] for d in used if d.endswith(".*")}
    ignored = [*chart.ignore, *(e for s in chart.states.values() for e in s.ignore)]
    out: list[Diagnostic] = []
    for n, decl in chart.events.items():
        if "*" in used or n in used or _prefixes([n]) & below:
            continue
        if any(covers(i, n) for i in ignored):
            continue
        out.append(
            Diagnostic(
                "W407",
                Severity.WARNING,
                f"the event '{n}' is declared under `events:` but no transition reacts to it, so "
                f"it would always be refused; expected a transition with `on: {n}` in some "
                "state, or the event listed under `ignore:` if it may arrive and should be "
                "ignored",
                decl.span,
                f"events.{n}",
            )
        )
    for n, task in chart.tasks.items():
        if n not in usage.tasks:
            out.append(
                Diagnostic(
                    "W408",
                    Severity.WARNING,
                    f"the task '{n}' is declared under `tasks:` but no state invokes it and no "
                    f"`task` action starts it; expected `invoke: {{task: {n}}}` on a state or "
                    f"a `task: {{name: {n}}}` action, or remove the declaration",
                    task.span,
                    f"tasks.{n}",
                )
            )
    for n, tpl in chart.templates.items():
        if n not in usage.templates:
            out.append(
                Diagnostic(
                    "W409",
                    Severity.WARNING,
                    f"the template '{n}' is declared under `templates:` but no `notify` action "
                    f"uses it; expected `notify: {{template: {n}, ...}}` somewhere, or remove "
                    "the declaration",
                    tpl.span,
                    f"templates.{n}",
                )
            )
    return out
