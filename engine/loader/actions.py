"""Stage 4c: action lists -> model actions, with every expression checked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from engine.errors import Diagnostic, Severity
from engine.expr import TypeEnv
from engine.expr.ast import Expr, ListLit, Literal
from engine.expr.types import (
    BOOLEAN,
    DURATION,
    STRING,
    EnumType,
    ListType,
    OptionalType,
    RecordType,
    Type,
    is_assignable,
    strip_optional,
)
from engine.expr.wording import did_you_mean
from engine.loader.expressions import ExpressionCompiler
from engine.loader.yaml_source import Document, Pointer, format_path
from engine.model import (
    Action,
    Assign,
    Cancel,
    EventDecl,
    Expression,
    If,
    Log,
    Raise,
    Send,
    SendTarget,
    Spawn,
    StartInstance,
    StartTask,
    TaskDecl,
    TemplateDecl,
)

__all__ = ["ActionBuilder"]


class ActionBuilder:
    def __init__(
        self,
        doc: Document,
        diagnostics: list[Diagnostic],
        compiler: ExpressionCompiler,
        events: dict[str, EventDecl],
        tasks: dict[str, TaskDecl],
        templates: dict[str, TemplateDecl],
    ) -> None:
        self.doc = doc
        self.diagnostics = diagnostics
        self.compiler = compiler
        self.events = events
        self.tasks = tasks
        self.templates = templates
        #: ids of delayed sends, and where each `cancel` names one (checked at the end)
        self.send_ids: set[str] = set()
        self.cancels: list[tuple[str, Pointer]] = []
        self.raised: set[str] = set()
        self.sent: set[str] = set()

    def error(self, code: str, message: str, path: Pointer, *, key: bool = False) -> None:
        self.diagnostics.append(
            Diagnostic(
                code, Severity.ERROR, message, self.doc.span(path, key=key), format_path(path)
            )
        )

    def actions(self, items: Any, path: Pointer, env: TypeEnv) -> tuple[Action, ...]:
        if not isinstance(items, list):
            return ()
        out: list[Action] = []
        for i, item in enumerate(items):
            ipath: Pointer = (*path, i)
            if not isinstance(item, dict):
                continue  # reported by the schema
            for key, handler in self._handlers().items():
                if key in item:
                    action = handler(item, ipath, env)
                    if action is not None:
                        out.append(action)
                    break
        return tuple(out)

    def _handlers(self) -> dict[str, Callable[[dict[str, Any], Pointer, TypeEnv], Action | None]]:
        return {
            "assign": self._assign,
            "if": self._if,
            "raise": self._raise,
            "send": self._send,
            "cancel": self._cancel,
            "notify": self._notify,
            "task": self._task,
            "spawn": self._spawn,
            "start": self._start,
            "log": self._log,
        }

    # -- one method per action ---------------------------------------------------------
    def _assign(self, item: dict[str, Any], path: Pointer, env: TypeEnv) -> Action | None:
        pairs = item.get("assign")
        if not isinstance(pairs, dict):
            return None
        items = []
        for target, value in pairs.items():
            built = self.compiler.assignment(str(target), value, (*path, "assign", target), env)
            if built is not None:
                items.append(built)
        return Assign(tuple(items), self.doc.span(path))

    def _if(self, item: dict[str, Any], path: Pointer, env: TypeEnv) -> Action | None:
        cond, _ = self.compiler.expression(item.get("if"), (*path, "if"), env, BOOLEAN)
        then = self.actions(item.get("then"), (*path, "then"), env)
        otherwise = self.actions(item.get("else"), (*path, "else"), env)
        if cond is None:
            return None
        return If(cond, then, otherwise, self.doc.span(path))

    def _data(
        self, data: Any, path: Pointer, env: TypeEnv, declared: RecordType | None, what: str
    ) -> tuple[tuple[str, Expression], ...]:
        """Expressions for event or task data, checked against the declared fields."""
        if not isinstance(data, dict):
            data = {}
        out: list[tuple[str, Expression]] = []
        for name, value in data.items():
            vpath: Pointer = (*path, name)
            expected: Type | None = None
            if declared is not None:
                f = declared.field(str(name))
                if f is None:
                    names = ", ".join(x.name for x in declared.fields) or "no fields"
                    self.error(
                        "E314",
                        f"{what} has no field '{name}'; expected one of: {names}",
                        vpath,
                        key=True,
                    )
                    continue
                expected = f.type
            expr, typ = self.compiler.expression(value, vpath, env)
            if expr is None:
                continue
            if expected is not None and typ is not None and not is_assignable(typ, expected):
                literals = _enum_literals(expr.expr, expected)
                if literals is None:  # (a quoted value of an enum fits, as in `assign`)
                    self.error(
                        "E314",
                        f"{what} field '{name}' is {typ.describe()}; expected "
                        f"{expected.describe()}",
                        vpath,
                    )
                    continue
                wrong = [v for v, allowed in literals if v not in allowed]
                if wrong:
                    allowed = literals[0][1]
                    self.error(
                        "E314",
                        f"{what} field '{name}': '{wrong[0]}' is not a value of "
                        f"{expected.describe()}; {did_you_mean(wrong[0], allowed)}"
                        f"expected one of: {', '.join(allowed)}",
                        vpath,
                    )
                    continue
            out.append((str(name), expr))
        if declared is not None:
            given = {name for name, _ in out} | set(data)
            for f in declared.fields:
                if (
                    f.name not in given
                    and not isinstance(f.type, OptionalType)
                    and not f.has_default
                ):
                    self.error(
                        "E314",
                        f"{what} needs field '{f.name}' ({f.type.describe()}); expected it under `data`/`input`",
                        path if data else path[:-1],
                    )
        return tuple(out)

    def _event_data_decl(self, event: str) -> RecordType | None:
        decl = self.events.get(event)
        return decl.data if decl is not None and decl.data.fields else None

    def _raise(self, item: dict[str, Any], path: Pointer, env: TypeEnv) -> Action | None:
        spec = item.get("raise")
        if isinstance(spec, str):
            self.raised.add(spec)
            self._needs_no_data(spec, (*path, "raise"))
            return Raise(spec, (), self.doc.span(path))
        if not isinstance(spec, dict) or not isinstance(spec.get("event"), str):
            return None
        event = spec["event"]
        self.raised.add(event)
        data = self._data(
            spec.get("data"),
            (*path, "raise", "data"),
            env,
            self._event_data_decl(event),
            f"event '{event}'",
        )
        return Raise(event, data, self.doc.span(path))

    def _needs_no_data(self, event: str, path: Pointer) -> None:
        decl = self._event_data_decl(event)
        if decl is not None and any(
            not isinstance(f.type, OptionalType) and not f.has_default for f in decl.fields
        ):
            self.error(
                "E314",
                f"event '{event}' declares data ({', '.join(f.name for f in decl.fields)}); "
                "expected `{event: ..., data: {...}}`",
                path,
            )

    def _send(self, item: dict[str, Any], path: Pointer, env: TypeEnv) -> Action | None:
        spec = item.get("send")
        if not isinstance(spec, dict) or not isinstance(spec.get("event"), str):
            return None
        spath: Pointer = (*path, "send")
        event = spec["event"]
        to = spec.get("to", "self")
        target: SendTarget
        if isinstance(to, dict):
            key, _ = self.compiler.expression(to.get("key"), (*spath, "to", "key"), env, STRING)
            target = SendTarget(
                "related", str(to.get("chart")), key, self.doc.span((*spath, "to", "chart"))
            )
        else:
            target = SendTarget(str(to))
        if target.kind == "self":
            self.sent.add(event)
        delay = None
        if "delay" in spec and target.kind != "self":
            self.error(
                "E316",
                f"a delayed `send` can only go to this instance (to: self), not to {target.kind}; "
                "expected no `delay`, or let the receiving instance start its own timer",
                (*spath, "delay"),
                key=True,
            )
        if "delay" in spec:
            delay, _ = self.compiler.expression(spec["delay"], (*spath, "delay"), env, DURATION)
        send_id = spec.get("id")
        if isinstance(send_id, str):
            self.send_ids.add(send_id)
        declared = self._event_data_decl(event) if target.kind == "self" else None
        data = self._data(spec.get("data"), (*spath, "data"), env, declared, f"event '{event}'")
        return Send(
            event,
            target,
            delay,
            send_id if isinstance(send_id, str) else None,
            data,
            self.doc.span(path),
        )

    def _cancel(self, item: dict[str, Any], path: Pointer, env: TypeEnv) -> Action | None:
        send_id = item.get("cancel")
        if not isinstance(send_id, str):
            return None
        self.cancels.append((send_id, (*path, "cancel")))
        return Cancel(send_id, self.doc.span(path))

    def _notify(self, item: dict[str, Any], path: Pointer, env: TypeEnv) -> Action | None:
        from engine.loader.notify import build_notify

        return build_notify(self, item, path, env)

    def data_of(self, data: Any, path: Pointer, env: TypeEnv) -> tuple[tuple[str, Expression], ...]:
        """A notify action's ``data``: expressions under names the template reads."""
        return self._data(data, path, env, None, "notification")

    def _task(self, item: dict[str, Any], path: Pointer, env: TypeEnv) -> Action | None:
        spec = item.get("task")
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            return None
        tpath: Pointer = (*path, "task")
        name = spec["name"]
        decl = self.tasks.get(name)
        if decl is None:
            self.unknown_task(name, (*tpath, "name"))
        data = self._data(
            spec.get("input"),
            (*tpath, "input"),
            env,
            decl.input if decl else None,
            f"task '{name}' input",
        )
        return StartTask(name, data, self.doc.span(path))

    def unknown_task(self, name: str, path: Pointer) -> None:
        known = ", ".join(sorted(self.tasks)) or "none declared"
        self.error(
            "E309",
            f"unknown task '{name}'; expected a task declared under `tasks:` ({known})",
            path,
        )

    def _spawn(self, item: dict[str, Any], path: Pointer, env: TypeEnv) -> Action | None:
        spec = item.get("spawn")
        if not isinstance(spec, dict) or not isinstance(spec.get("chart"), str):
            return None
        spath: Pointer = (*path, "spawn")
        for_each, typ = self.compiler.expression(spec.get("for_each"), (*spath, "for_each"), env)
        item_name = str(spec.get("as", "item"))
        item_type: Type | None = None
        if typ is not None:
            base = strip_optional(typ)
            if isinstance(base, ListType):
                item_type = base.item
            else:
                self.error(
                    "E212", f"`for_each` is {typ.describe()}; expected a list", (*spath, "for_each")
                )
        if for_each is None or item_type is None:
            return None
        inner = replace(env, variables={**env.variables, item_name: item_type})
        context = self._data(spec.get("context"), (*spath, "context"), inner, None, "child context")
        key = None
        if "key" in spec:
            key, _ = self.compiler.expression(spec["key"], (*spath, "key"), inner, STRING)
        spawn_id = str(spec.get("id") or spec["chart"])
        return Spawn(
            spawn_id,
            spec["chart"],
            for_each,
            item_name,
            context,
            key,
            self.doc.span(path),
            self.doc.span((*spath, "chart")),
        )

    def _start(self, item: dict[str, Any], path: Pointer, env: TypeEnv) -> Action | None:
        spec = item.get("start")
        if not isinstance(spec, dict) or not isinstance(spec.get("chart"), str):
            return None
        spath: Pointer = (*path, "start")
        key = None
        if "key" in spec:
            key, _ = self.compiler.expression(spec["key"], (*spath, "key"), env, STRING)
        context = self._data(
            spec.get("context"), (*spath, "context"), env, None, "new instance's context"
        )
        return StartInstance(
            spec["chart"], key, context, self.doc.span(path), self.doc.span((*spath, "chart"))
        )

    def _log(self, item: dict[str, Any], path: Pointer, env: TypeEnv) -> Action | None:
        expr, _ = self.compiler.expression(item.get("log"), (*path, "log"), env)
        return Log(expr, self.doc.span(path)) if expr is not None else None

    def check_cancels(self) -> None:
        for send_id, path in self.cancels:
            if send_id not in self.send_ids:
                known = ", ".join(sorted(self.send_ids)) or "none"
                self.error(
                    "E315",
                    f"`cancel` names '{send_id}', but no `send` has that id; expected one of: {known}",
                    path,
                )


def _enum_literals(ast: Expr, expected: Type) -> list[tuple[str, tuple[str, ...]]] | None:
    """The quoted values in ``ast`` with the enum values each must be one of, when ``ast``
    is a string literal for an enum (or a list literal of them for a list of an enum);
    None when it is not."""
    base = strip_optional(expected)
    if isinstance(base, EnumType) and isinstance(ast, Literal) and ast.kind == "string":
        return [(str(ast.value), base.values)]
    if isinstance(base, ListType) and isinstance(ast, ListLit):
        found: list[tuple[str, tuple[str, ...]]] = []
        for item in ast.items:
            inner = _enum_literals(item, base.item)
            if inner is None:
                return None
            found += inner
        return found
    return None
