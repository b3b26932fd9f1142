"""Stage 4: a schema-valid document -> :class:`engine.model.Chart`.

Builds declarations, the state tree, transitions and actions; resolves every state
reference and type-checks every expression. Problems are collected, never raised
one by one; the chart is built only when there are no errors.
"""

from __future__ import annotations

import contextlib
import hashlib
from bisect import bisect_left
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from engine.errors import Diagnostic, Severity
from engine.expr import FunctionRegistry, TypeEnv, default_functions
from engine.expr.types import (
    ANY,
    BOOLEAN,
    DURATION,
    INTEGER,
    STRING,
    Field,
    RecordType,
    Type,
    strip_optional,
)
from engine.loader.actions import ActionBuilder
from engine.loader.declarations import build_declarations
from engine.loader.expressions import ExpressionCompiler
from engine.loader.states import StateRefs, StateSkeleton, collect_states
from engine.loader.yaml_source import Document, Pointer, format_path
from engine.model import (
    ROOT,
    Chart,
    Expression,
    HistoryKind,
    Invoke,
    Manual,
    Rule,
    State,
    StateKind,
    StateMeta,
    Timer,
    Transition,
    TransitionKind,
    Trigger,
    matches,
)
from engine.source import Span

__all__ = ["build_chart"]

#: The fields a context record must have to serve as a per-instance calendar.
CALENDAR_FIELDS = ("timezone", "days", "opens", "closes")

_ERROR_DATA = RecordType((Field("message", STRING),))
_SPAWN_DATA = RecordType((Field("count", INTEGER),))


def _spawn_ids(data: Any, out: set[str]) -> set[str]:
    """Ids of every `spawn` action in the document (their done events may be used first)."""
    if isinstance(data, dict):
        spec = data.get("spawn")
        if isinstance(spec, dict) and isinstance(spec.get("chart"), str):
            out.add(str(spec.get("id") or spec["chart"]))
        for v in data.values():
            _spawn_ids(v, out)
    elif isinstance(data, list):
        for v in data:
            _spawn_ids(v, out)
    return out


class ChartBuilder:
    def __init__(
        self,
        doc: Document,
        sources: list[str],
        diagnostics: list[Diagnostic],
        functions: FunctionRegistry | None = None,
    ) -> None:
        self.doc = doc
        self.sources = sources
        self.diagnostics = diagnostics
        self.functions = functions or default_functions()
        self.decl = build_declarations(doc, diagnostics)
        self.skeletons = collect_states(doc, diagnostics)
        self.refs = StateRefs([sid for sid in self.skeletons if sid != ROOT])
        self.compiler = ExpressionCompiler(doc, diagnostics, self.functions)
        self.actions = ActionBuilder(
            doc, diagnostics, self.compiler, self.decl.events, self.decl.tasks, self.decl.templates
        )
        self.event_data: dict[str, RecordType] = {n: d.data for n, d in self.decl.events.items()}
        self._sorted_events: list[str] | None = None
        for name, task in self.decl.tasks.items():
            self.event_data[f"done.invoke.{name}"] = task.result
            self.event_data[f"error.invoke.{name}"] = _ERROR_DATA
        for spawn_id in _spawn_ids(doc.data, set()):
            self.event_data[f"done.spawn.{spawn_id}"] = _SPAWN_DATA
        self.valid_refs = frozenset(self.refs.unique())
        self.base_env = TypeEnv(
            context=self.decl.context, states=self.valid_refs, functions=self.functions
        )
        self.order = 0

    def error(self, code: str, message: str, path: Pointer, *, key: bool = False) -> None:
        self.diagnostics.append(
            Diagnostic(
                code, Severity.ERROR, message, self.doc.span(path, key=key), format_path(path)
            )
        )

    # -- references ----------------------------------------------------------------------
    def resolve(self, ref: Any, path: Pointer) -> str | None:
        if not isinstance(ref, str):
            return None
        sid, problem = self.refs.resolve(ref)
        if problem is not None:
            self.error("E302" if "ambiguous" in problem else "E301", problem, path)
        return sid

    def targets(self, value: Any, path: Pointer) -> tuple[str, ...] | None:
        refs = value if isinstance(value, list) else [value]
        out: list[str] = []
        ok = True
        for i, ref in enumerate(refs):
            sid = self.resolve(ref, (*path, i) if isinstance(value, list) else path)
            if sid is None:
                ok = False
            elif sid not in out:
                out.append(sid)
        if not ok:
            return None
        for i, a in enumerate(out):
            for b in out[i + 1 :]:
                if not self._compatible(a, b):
                    self.error(
                        "E311",
                        f"targets '{a}' and '{b}' cannot be active at the same time; "
                        "expected states in different regions of a parallel state",
                        path,
                    )
                    return None
        return tuple(out)

    def _ancestors(self, sid: str) -> list[str]:
        out = []
        while sid != ROOT:
            sid = self.skeletons[sid].parent or ROOT
            out.append(sid)
        return out

    def _compatible(self, a: str, b: str) -> bool:
        anc_a = [a, *self._ancestors(a)]
        common = next(x for x in [b, *self._ancestors(b)] if x in anc_a)
        return common not in (a, b) and self.skeletons[common].kind is StateKind.PARALLEL

    # -- events and environments ------------------------------------------------------------
    def event_type(self, descriptors: tuple[str, ...]) -> RecordType | None:
        found: list[RecordType] = []
        for d in descriptors:
            matched = self._matching(d)
            if not matched:
                return None
            found.extend(matched)
        if not found:
            return None
        first, *rest = found
        common = tuple(f for f in first.fields if all(r.field(f.name) == f for r in rest))
        return RecordType(common)

    def _matching(self, descriptor: str) -> list[RecordType]:
        """The data types of the declared events ``descriptor`` matches, without scanning
        every event per transition: exact names by lookup, ``p.*`` by a range of the sorted
        names (``p`` and ``p.`` ... ``p/``)."""
        data = self.event_data
        if descriptor == "*":
            return list(data.values())
        if not descriptor.endswith(".*"):
            exact = data.get(descriptor)
            return [] if exact is None else [exact]
        if self._sorted_events is None:
            self._sorted_events = sorted(data)
        names, prefix = self._sorted_events, descriptor[:-2]
        lo, hi = bisect_left(names, prefix + "."), bisect_left(names, prefix + "/")
        found = [data[n] for n in names[lo:hi] if matches(descriptor, n)]
        return ([data[prefix]] if prefix in data else []) + found

    def env(self, descriptors: tuple[str, ...]) -> TypeEnv:
        event = self.event_type(descriptors) if descriptors else None
        return TypeEnv(
            context=self.decl.context,
            event=event,
            states=self.valid_refs,
            functions=self.functions,
        )

    # -- transitions ------------------------------------------------------------------------
    def transition(
        self,
        sk: StateSkeleton,
        spec: Any,
        path: Pointer,
        events: tuple[str, ...],
        trigger: Trigger,
        timer: Timer | None = None,
        event_span: Span | None = None,
    ) -> Transition | None:
        if isinstance(spec, str):
            spec = {"target": spec}
        if not isinstance(spec, dict):
            return None
        env = self.env(events)
        targets: tuple[str, ...] | None = ()
        if "target" in spec:
            targets = self.targets(spec["target"], (*path, "target"))
        guard = None
        if "guard" in spec:
            guard, _ = self.compiler.expression(spec["guard"], (*path, "guard"), env, BOOLEAN)
        actions = self.actions.actions(spec.get("actions"), (*path, "actions"), env)
        manual = None
        if isinstance(spec.get("manual"), dict):
            m = spec["manual"]
            if trigger is not Trigger.EVENT or any("*" in e for e in events):
                self.error(
                    "E317",
                    "only a transition on a named event can be a manual action; "
                    "expected `manual:` under `on: <event>`",
                    (*path, "manual"),
                )
            manual = Manual(
                label=str(m.get("label", events[0] if events else "")),
                roles=tuple(str(r) for r in m.get("roles") or ()),
                note_required=bool(m.get("note_required", False)),
                description=m.get("description"),
            )
            trigger = Trigger.MANUAL
        kind = TransitionKind.INTERNAL if spec.get("internal") is True else TransitionKind.EXTERNAL
        if (
            kind is TransitionKind.INTERNAL
            and targets
            and not all(sid in self.skeletons and sk.id in self._ancestors(sid) for sid in targets)
        ):
            self.diagnostics.append(
                Diagnostic(
                    "W318",
                    Severity.WARNING,
                    "`internal: true` has no effect unless every target is inside the source state",
                    self.doc.span((*path, "internal")),
                    format_path((*path, "internal")),
                )
            )
        if targets is None:
            return None
        span = self.doc.span(path)
        return Transition(
            source=sk.id,
            events=events,
            targets=targets,
            guard=guard,
            actions=actions,
            kind=kind,
            trigger=trigger,
            manual=manual,
            timer=timer,
            label=spec.get("label"),
            description=spec.get("description"),
            span=span,
            path=format_path(path),
            event_span=event_span,
        )

    def _many(self, value: Any) -> list[Any]:
        return value if isinstance(value, list) else [value]

    def state_transitions(self, sk: StateSkeleton) -> list[Transition]:
        data, path = sk.data, sk.path
        found: list[tuple[tuple[int, int], Transition]] = []

        def add(t: Transition | None) -> None:
            if t is not None:
                pos = (
                    (t.span.line, t.span.col)
                    if t.span and t.span.file == self.doc.file
                    else (0, t.order)
                )
                found.append((pos, t))

        on = data.get("on")
        if isinstance(on, dict):
            for descriptor, specs in on.items():
                items = self._many(specs)
                for i, spec in enumerate(items):
                    p: Pointer = (
                        (*path, "on", descriptor, i)
                        if isinstance(specs, list)
                        else (*path, "on", descriptor)
                    )
                    key_span = self.doc.span((*path, "on", descriptor), key=True)
                    add(
                        self.transition(
                            sk, spec, p, (str(descriptor),), Trigger.EVENT, None, key_span
                        )
                    )
        for i, spec in enumerate(self._many(data.get("always") or [])):
            add(self.transition(sk, spec, (*path, "always", i), (), Trigger.ALWAYS))
        for i, spec in enumerate(data.get("after") or []):
            add(self.timer_transition(sk, spec, (*path, "after", i), i))
        invoke = data.get("invoke")
        if isinstance(invoke, dict) and isinstance(invoke.get("task"), str):
            task = invoke["task"]
            for key, event in (
                ("on_done", f"done.invoke.{task}"),
                ("on_error", f"error.invoke.{task}"),
            ):
                specs = invoke.get(key)
                if specs is None:
                    continue
                items = self._many(specs)
                for i, spec in enumerate(items):
                    p = (
                        (*path, "invoke", key, i)
                        if isinstance(specs, list)
                        else (*path, "invoke", key)
                    )
                    key_span = self.doc.span((*path, "invoke", key), key=True)
                    add(self.transition(sk, spec, p, (event,), Trigger.TASK, None, key_span))
        found.sort(key=lambda pair: pair[0])
        out = []
        for _, t in found:
            self.order += 1
            out.append(replace(t, order=self.order))
        return out

    def _timed_value(
        self, value: Any, path: Pointer, env: TypeEnv, want: Type, what: str
    ) -> Expression | None:
        """A delay or open-days expression: of type ``want`` or optional ``want`` (null = no timer)."""
        expr, typ = self.compiler.expression(value, path, env)
        if expr is None or typ is None:
            return None
        base = strip_optional(typ)
        if base != want and base != ANY:
            self.error("E211", f"{what} is {typ.describe()}; expected {want.describe()}", path)
            return None
        return expr

    def _calendar(
        self, name: Any, path: Pointer, env: TypeEnv
    ) -> tuple[str | None, Expression | None]:
        """A declared calendar's name, or a context field holding a per-instance calendar."""
        if not isinstance(name, str):
            return None, None
        if name in self.decl.calendars:
            return name, None
        field = self.decl.context.field(name)
        if field is not None:
            base = strip_optional(field.type)
            if isinstance(base, RecordType) and all(
                base.field(f) is not None for f in CALENDAR_FIELDS
            ):
                expr, _ = self.compiler.expression(name, path, env)
                return None, expr
            self.error(
                "E310",
                f"context field '{name}' is {field.type.describe()}; expected a calendar record with "
                + ", ".join(CALENDAR_FIELDS),
                path,
            )
            return None, None
        known = ", ".join(sorted(self.decl.calendars)) or "none declared"
        self.error(
            "E310",
            f"unknown calendar '{name}'; expected one of: {known}, or a context field holding a calendar",
            path,
        )
        return None, None

    def timer_transition(
        self, sk: StateSkeleton, spec: Any, path: Pointer, index: int
    ) -> Transition | None:
        if not isinstance(spec, dict):
            return None
        event = f"after.{sk.id}.{index}"
        env = self.env(())
        delay = open_days = None
        if "delay" in spec:
            delay = self._timed_value(spec["delay"], (*path, "delay"), env, DURATION, "the delay")
        if "open_days" in spec:
            open_days = self._timed_value(
                spec["open_days"], (*path, "open_days"), env, INTEGER, "`open_days`"
            )
        calendar, calendar_field = self._calendar(spec.get("calendar"), (*path, "calendar"), env)
        timer = Timer(event, delay, open_days, calendar, calendar_field)
        return self.transition(sk, spec, path, (event,), Trigger.TIMER, timer)

    def rules(self) -> tuple[Rule, ...]:
        out = []
        for i, spec in enumerate(self.doc.data.get("rules") or []):
            if not isinstance(spec, dict):
                continue
            check, _ = self.compiler.expression(
                spec.get("check"), ("rules", i, "check"), self.base_env, BOOLEAN
            )
            if check is not None:
                out.append(Rule(check, str(spec.get("message", "")), self.doc.span(("rules", i))))
        return tuple(out)

    # -- states -------------------------------------------------------------------------
    def initial(self, sk: StateSkeleton) -> tuple[str, ...]:
        if sk.kind is not StateKind.COMPOUND:
            return ()
        ref = sk.data.get("initial")
        if ref is not None:
            path: Pointer = (*sk.path, "initial")
            sid = self.resolve(ref, path)
            if sid is None:
                return ()
            if sk.id != ROOT and sk.id not in self._ancestors(sid):
                self.error(
                    "E303",
                    f"initial state '{ref}' is not inside '{sk.name}'; expected one of its child states: "
                    + ", ".join(self.skeletons[c].name for c in sk.children),
                    path,
                )
                return ()
            if self.skeletons[sid].kind is StateKind.HISTORY:
                self.error("E303", "the initial state cannot be a history state", path)
                return ()
            return (sid,)
        first = [c for c in sk.children if self.skeletons[c].kind is not StateKind.HISTORY]
        return (first[0],) if first else ()

    def history_default(self, sk: StateSkeleton) -> list[Transition]:
        parent = self.skeletons[sk.parent or ROOT]
        if "target" in sk.data:
            targets = self.targets(sk.data["target"], (*sk.path, "target"))
            if targets is None:
                return []
            for t in targets:
                if parent.id not in self._ancestors(t):
                    self.error(
                        "E304",
                        f"history default '{t}' is not inside '{parent.name}'; expected a state of the "
                        "history's parent",
                        (*sk.path, "target"),
                    )
                    return []
        elif parent.kind is StateKind.PARALLEL:
            targets = tuple(parent.children)
            targets = tuple(c for c in targets if self.skeletons[c].kind is not StateKind.HISTORY)
        else:
            targets = self.initial(parent)
        self.order += 1
        return [
            Transition(
                source=sk.id,
                events=(),
                targets=targets,
                trigger=Trigger.ALWAYS,
                order=self.order,
                span=self.doc.span(sk.path, key=True),
                path=format_path(sk.path),
            )
        ]

    def state(self, sk: StateSkeleton) -> State:
        data = sk.data
        env = self.env(())
        transitions = (
            self.history_default(sk) if sk.kind is StateKind.HISTORY else self.state_transitions(sk)
        )
        invokes: list[Invoke] = []
        invoke = data.get("invoke")
        if isinstance(invoke, dict) and isinstance(invoke.get("task"), str):
            task = invoke["task"]
            decl = self.decl.tasks.get(task)
            if decl is None:
                self.actions.unknown_task(task, (*sk.path, "invoke", "task"))
            inputs = self.actions._data(
                invoke.get("input"),
                (*sk.path, "invoke", "input"),
                env,
                decl.input if decl else None,
                f"task '{task}' input",
            )
            invokes.append(Invoke(task, inputs, self.doc.span((*sk.path, "invoke"))))
        code = data.get("code")
        meta = (
            StateMeta(
                label=data.get("label"),
                description=data.get("description"),
                queue=data.get("queue"),
                code=None if code is None else str(code),
                tags=tuple(str(t) for t in data.get("tags") or ()),
                terminal=bool(data.get("terminal", False)),
            )
            if sk.id != ROOT
            else StateMeta(label=data.get("title"), description=data.get("description"))
        )
        history = None
        if sk.kind is StateKind.HISTORY:
            history = HistoryKind(data.get("history", "shallow"))
        return State(
            id=sk.id,
            name=sk.name,
            kind=sk.kind,
            parent=sk.parent,
            children=tuple(sk.children),
            initial=self.initial(sk),
            transitions=tuple(transitions),
            entry=self.actions.actions(data.get("entry"), (*sk.path, "entry"), env)
            if sk.id != ROOT
            else (),
            exit=self.actions.actions(data.get("exit"), (*sk.path, "exit"), env)
            if sk.id != ROOT
            else (),
            invoke=tuple(invokes),
            history=history,
            ignore=tuple(str(e) for e in data.get("ignore") or ()) if sk.id != ROOT else (),
            meta=meta,
            depth=sk.depth,
            order=sk.order,
            span=sk.span,
            path=format_path(sk.path),
        )

    def build(self) -> Chart | None:
        states = {sid: self.state(sk) for sid, sk in self.skeletons.items()}
        rules = self.rules()
        self.actions.check_cancels()
        if not self.skeletons[ROOT].children:
            self.error(
                "E305",
                "the chart has no states; expected at least one state under `states:`",
                ("states",),
            )
        if any(d.is_error for d in self.diagnostics):
            return None
        data = self.doc.data
        return Chart(
            id=str(data["id"]),
            version=int(data["version"]),
            states=MappingProxyType(states),
            context=self.decl.context,
            defaults=MappingProxyType(self.decl.defaults),
            events=MappingProxyType(self.decl.events),
            tasks=MappingProxyType(self.decl.tasks),
            templates=MappingProxyType(self.decl.templates),
            calendars=MappingProxyType(self.decl.calendars),
            ignore=tuple(str(e) for e in data.get("ignore") or ()),
            rules=rules,
            title=data.get("title"),
            description=data.get("description"),
            metadata=MappingProxyType(dict(data.get("metadata") or {})),
            file=self.doc.file,
            source_hash=self._hash(),
            sources=(self.doc.file, *self.sources),
            refs=MappingProxyType(self.refs.unique()),
        )

    def _hash(self) -> str:
        digest = hashlib.sha256(self.doc.text.encode())
        for source in self.sources:
            with contextlib.suppress(OSError):
                digest.update(Path(source).read_bytes())
        return digest.hexdigest()


def build_chart(
    doc: Document,
    sources: list[str],
    diagnostics: list[Diagnostic],
    functions: FunctionRegistry | None = None,
) -> Chart | None:
    return ChartBuilder(doc, sources, diagnostics, functions).build()
