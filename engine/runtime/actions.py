"""Executable content: model actions compiled once into closures over a :class:`Run`.

An :class:`~engine.errors.EvaluationError` inside any action becomes
:class:`ActionFailed`, which aborts the whole macrostep (the caller keeps the old
snapshot; no effect escapes).

Sends to this instance always go through the snapshot's timers: a ``delay`` makes a
timer due at ``now + delay``; an undelayed send is a timer due ``now``, delivered after
the current macrostep (the SCXML external queue, which a pure step cannot hold).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from engine.errors import EvaluationError
from engine.expr import Scope, assign_path
from engine.expr.ast import path_of
from engine.model import (
    Action,
    Assign,
    Cancel,
    Chart,
    Expression,
    If,
    Log,
    Notify,
    Raise,
    Send,
    Spawn,
    StartInstance,
    StartTask,
)
from engine.runtime.effects import (
    ChildSpec,
    EventForInstance,
    LogEntry,
    SpawnRequested,
    StartRequested,
)
from engine.runtime.errors import ActionFailed, RuleBroken
from engine.runtime.notifying import notify_action
from engine.runtime.run import Run
from engine.runtime.tables import ActionFn, ScopeFn
from engine.runtime.values import EMPTY, Event, PendingTimer

__all__ = ["check_rules", "compile_actions", "evaluate_data", "scope_actions"]

DataSpec = tuple[tuple[str, Expression], ...]


def evaluate_data(spec: DataSpec, scope: Scope) -> Mapping[str, Any]:
    """``{name: value}`` of event data, task input or notify data."""
    if not spec:
        return EMPTY
    return {name: expr.compiled.fn(scope) for name, expr in spec}


def compile_actions(actions: tuple[Action, ...], where: str) -> tuple[ActionFn, ...]:
    """One closure per action; each raises :class:`ActionFailed` naming ``where``."""
    return tuple(_compile(a, where) for a in actions)


def _guarded(fn: Callable[[Run], None], where: str) -> ActionFn:
    def run_action(run: Run) -> None:
        try:
            fn(run)
        except EvaluationError as exc:
            raise ActionFailed(exc, where) from exc

    return run_action


def _compile(action: Action, where: str) -> ActionFn:
    if isinstance(action, Assign):
        return _assign(action, where)
    if isinstance(action, If):
        return _if(action, where)
    handlers: dict[type, Callable[[Any], Callable[[Run], None]]] = {
        Raise: _raise,
        Send: _send,
        Cancel: _cancel,
        Notify: notify_action,
        StartTask: _task,
        Spawn: _spawn,
        StartInstance: _start_instance,
        Log: _log,
    }
    return _guarded(handlers[type(action)](action), where)


def _assign(action: Assign, where: str) -> ActionFn:
    on_scope = _assign_scope(action, where)

    def assign(run: Run) -> None:
        on_scope(run.scope)

    return assign


def _assign_scope(action: Assign, where: str) -> ScopeFn:
    """The assignment as a function of the scope: the context is copied on write."""
    items = []
    for target, value in action.items:
        names = path_of(target.expr) or ()
        simple = names[0] if len(names) == 1 and names[0] not in ("event", "context") else None
        items.append((simple, target, value.compiled.fn))
    if len(items) == 1 and items[0][0] is not None:
        ((name, _, fn),) = items

        def assign_one(scope: Scope) -> None:
            try:
                value = fn(scope)
            except EvaluationError as exc:
                raise ActionFailed(exc, where) from exc
            context = dict(scope.context)
            context[name] = value  # type: ignore[index]
            scope.context = context

        return assign_one

    def assign(scope: Scope) -> None:
        try:
            for simple, target, fn in items:
                value = fn(scope)
                if simple is not None:
                    context = dict(scope.context)
                    context[simple] = value
                else:
                    context = assign_path(scope.context, target.expr, value)
                scope.context = context
        except EvaluationError as exc:
            raise ActionFailed(exc, where) from exc

    return assign


def _condition(action: If, where: str) -> Callable[[Scope], bool]:
    """The ``if`` condition: true or false, anything else fails the action."""
    condition = action.condition.compiled.fn
    text = action.condition.text

    def holds(scope: Scope) -> bool:
        try:
            value = condition(scope)
        except EvaluationError as exc:
            raise ActionFailed(exc, where) from exc
        if value is not True and value is not False:
            raise ActionFailed(
                EvaluationError(text, f"the condition is {value!r}, not true or false"), where
            )
        return value

    return holds


def _if(action: If, where: str) -> ActionFn:
    holds = _condition(action, where)
    then = compile_actions(action.then, where)
    otherwise = compile_actions(action.otherwise, where)

    def if_(run: Run) -> None:
        for fn in then if holds(run.scope) else otherwise:
            fn(run)

    return if_


def scope_actions(actions: tuple[Action, ...], where: str) -> tuple[ScopeFn, ...] | None:
    """The actions as functions of the scope alone, or None.

    Only ``assign`` (also inside ``if``) needs nothing but the scope: it reads the
    scope and replaces its context. Any other action (an effect, an event, a timer)
    needs the whole :class:`Run`, so a transition with one is never run without it.
    """
    out: list[ScopeFn] = []
    for action in actions:
        if isinstance(action, Assign):
            out.append(_assign_scope(action, where))
        elif isinstance(action, If):
            then = scope_actions(action.then, where)
            otherwise = scope_actions(action.otherwise, where)
            if then is None or otherwise is None:
                return None
            out.append(_if_scope(_condition(action, where), then, otherwise))
        else:
            return None
    return tuple(out)


def _if_scope(
    holds: Callable[[Scope], bool], then: tuple[ScopeFn, ...], otherwise: tuple[ScopeFn, ...]
) -> ScopeFn:
    def if_(scope: Scope) -> None:
        for fn in then if holds(scope) else otherwise:
            fn(scope)

    return if_


def _raise(action: Raise) -> Callable[[Run], None]:
    name, data = action.event, action.data

    def raise_(run: Run) -> None:
        run.internal.append(Event(name, evaluate_data(data, run.scope), "internal"))

    return raise_


def _send(action: Send) -> Callable[[Run], None]:
    name, data, target, delay = action.event, action.data, action.target, action.delay
    send_id = action.id
    delay_fn = delay.compiled.fn if delay is not None else None

    def send_self(run: Run) -> None:
        scope = run.scope
        payload = evaluate_data(data, scope)
        due = run.now
        if delay_fn is not None:
            wait = delay_fn(scope)
            if not isinstance(wait, timedelta):
                raise EvaluationError(
                    delay.text if delay else "", f"the delay is {wait!r}, not a duration"
                )
            if wait > timedelta(0):
                due = run.now + wait
        if send_id is None:
            timer_id = run.free_timer_id(f"send.{name}")
        else:
            timer_id = send_id
            pending = run.timers.get(send_id)
            if pending is not None:  # a restart: the later send replaces the pending one
                run.effects.append(
                    LogEntry(
                        f"send '{send_id}' replaced the pending '{pending.event}' due "
                        f"{pending.due.isoformat()}; '{name}' is now due {due.isoformat()}"
                    )
                )
        run.schedule(PendingTimer(timer_id, name, due, payload))

    def send_other(run: Run) -> None:
        scope = run.scope
        payload = evaluate_data(data, scope)
        key = target.key.compiled.fn(scope) if target.key is not None else None
        origin = "child" if target.kind == "parent" else "external"
        if delay_fn is not None:
            run.effects.append(
                LogEntry(f"send '{name}' to {target.kind}: delays apply only to sends to self")
            )
        run.effects.append(
            EventForInstance(target.kind, Event(name, payload, origin), target.chart, key)
        )

    return send_self if target.kind == "self" else send_other


def _cancel(action: Cancel) -> Callable[[Run], None]:
    timer_id = action.id

    def cancel(run: Run) -> None:
        run.cancel(timer_id)

    return cancel


def _task(action: StartTask) -> Callable[[Run], None]:
    task, spec = action.task, action.input

    def start_task(run: Run) -> None:
        run.request_task(task, evaluate_data(spec, run.scope))

    return start_task


def _start_instance(action: StartInstance) -> Callable[[Run], None]:
    chart, key, spec = action.chart, action.key, action.context

    def start(run: Run) -> None:
        scope = run.scope
        new_key = key.compiled.fn(scope) if key is not None else None
        context = {name: expr.compiled.fn(scope) for name, expr in spec}
        run.effects.append(
            StartRequested(chart, None if new_key is None else str(new_key), context)
        )

    return start


def _spawn(action: Spawn) -> Callable[[Run], None]:
    for_each, item_name, spec, key = action.for_each, action.item_name, action.context, action.key

    def spawn(run: Run) -> None:
        scope = run.scope
        items = for_each.compiled.fn(scope)
        if items is None:
            items = []
        if not isinstance(items, (list, tuple)):
            raise EvaluationError(for_each.text, f"`for_each` is {items!r}, not a list")
        children = []
        for item in items:
            inner = Scope(
                scope.context,
                scope.event,
                scope.now,
                scope.in_state,
                {item_name: item},
                scope.event_name,
                scope.actor,
                scope.note,
                scope.client_note,
            )
            child_key = key.compiled.fn(inner) if key is not None else None
            context = {name: expr.compiled.fn(inner) for name, expr in spec}
            children.append(ChildSpec(None if child_key is None else str(child_key), context))
        run.effects.append(SpawnRequested(action.id, action.chart, tuple(children)))

    return spawn


def _log(action: Log) -> Callable[[Run], None]:
    message = action.message.compiled.fn

    def log(run: Run) -> None:
        run.effects.append(LogEntry(str(message(run.scope))))

    return log


def check_rules(chart: Chart, scope: Scope) -> None:
    """Every rule of the chart must hold for the context a step leaves behind (else
    :class:`RuleBroken`; a rule that cannot be evaluated is :class:`ActionFailed`)."""
    broken = []
    for rule in chart.rules:
        try:
            ok = rule.check.compiled.fn(scope)
        except EvaluationError as exc:
            raise ActionFailed(exc, f"rule `{rule.check.text}`") from exc
        if ok is not True:
            broken.append(rule.message)
    if broken:
        raise RuleBroken(tuple(broken))
