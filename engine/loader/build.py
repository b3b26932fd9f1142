"""Stage 4: a schema-valid document -> :class:`engine.model.Chart`.

Builds declarations, the state tree, transitions and actions; resolves every state
reference and type-checks every expression. Problems are collected, never raised
one by one. Transitions come first (:mod:`.transitions`), then what can enter and leave
each state (:mod:`.entering`), so entry and exit actions are checked against the data of
the events that run them. With errors the result is a draft: good enough for the checks
that can still run (templates), never handed to the runtime.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from engine.errors import Diagnostic, Severity
from engine.expr import FunctionRegistry, TypeEnv, default_functions
from engine.expr.types import (
    BOOLEAN,
)
from engine.loader.actions import ActionBuilder
from engine.loader.declarations import build_declarations
from engine.loader.entering import EventFlow, Shape
from engine.loader.environments import Environments
from engine.loader.expressions import ExpressionCompiler
from engine.loader.policy import build_policy
from engine.loader.states import StateRefs, StateSkeleton, collect_states
from engine.loader.transitions import TransitionBuilder
from engine.loader.yaml_source import Document, Pointer, format_path
from engine.model import (
    ROOT,
    Action,
    Chart,
    HistoryKind,
    Invoke,
    Rule,
    State,
    StateKind,
    StateMeta,
    Transition,
    Trigger,
)

__all__ = ["ChartBuilder", "build_chart", "build_draft"]


def _names(items: Any) -> tuple[str, ...]:
    """A list of names (``ignore``), without the items left out for breaking the schema."""
    return tuple(str(e) for e in items or () if e is not None)


class ChartBuilder:
    def __init__(
        self,
        doc: Document,
        sources: list[str],
        diagnostics: list[Diagnostic],
        functions: FunctionRegistry | None = None,
        loose: frozenset[Pointer] = frozenset(),
    ) -> None:
        self.doc = doc
        self.sources = sources
        self.diagnostics = diagnostics
        self.functions = functions or default_functions()
        self.decl = build_declarations(doc, diagnostics, loose)
        self.skeletons = collect_states(doc, diagnostics)
        self.refs = StateRefs([sid for sid in self.skeletons if sid != ROOT])
        self.compiler = ExpressionCompiler(doc, diagnostics, self.functions)
        self.actions = ActionBuilder(
            doc, diagnostics, self.compiler, self.decl.events, self.decl.tasks, self.decl.templates
        )
        self.valid_refs = frozenset(self.refs.unique())
        self.envs = Environments(doc, self.decl, self.valid_refs, self.functions)
        self.base_env = self.envs.base
        self.order = 0
        self.ok = False
        self.transitions = TransitionBuilder(self)

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

    def targets(
        self, value: Any, path: Pointer, *, inside: StateSkeleton | None = None
    ) -> tuple[str, ...] | None:
        """The state ids a target (or list of targets) names: each resolved, inside
        ``inside`` when given (E303), and all able to be active together (E311)."""
        refs = value if isinstance(value, list) else [value]
        out: list[str] = []
        ok = True
        for i, ref in enumerate(refs):
            where = (*path, i) if isinstance(value, list) else path
            sid = self.resolve(ref, where)
            if sid is None:
                ok = False
            elif inside is not None and inside.id != ROOT and inside.id not in self.ancestors(sid):
                self.error(
                    "E303",
                    f"initial state '{sid}' is not inside '{inside.name}'; expected one of its "
                    "child states (or their descendants): "
                    + ", ".join(self.skeletons[c].name for c in inside.children),
                    where,
                )
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

    def ancestors(self, sid: str) -> list[str]:
        """Proper ancestors of a state, nearest first, ending with the root."""
        out = []
        while sid != ROOT:
            sid = self.skeletons[sid].parent or ROOT
            out.append(sid)
        return out

    def _compatible(self, a: str, b: str) -> bool:
        anc_a = [a, *self.ancestors(a)]
        common = next(x for x in [b, *self.ancestors(b)] if x in anc_a)
        return common not in (a, b) and self.skeletons[common].kind is StateKind.PARALLEL

    # -- environments (engine/loader/environments.py) -----------------------------------------
    def env(self, descriptors: tuple[str, ...]) -> TypeEnv:
        return self.envs.env(descriptors)

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
    def initial(self, sk: StateSkeleton) -> tuple[tuple[str, ...], Any, Pointer]:
        """The targets of a compound state's initial transition, and its actions (spec, path).

        ``initial`` names one child, states deeper down in different regions of a parallel
        descendant, or a history state; ``{target: ..., actions: [...]}`` adds actions.
        Without it, the first child that is not a history state.
        """
        if sk.kind is not StateKind.COMPOUND:
            return (), None, ()
        spec = sk.data.get("initial")
        path: Pointer = (*sk.path, "initial")
        if spec is None:
            first = [c for c in sk.children if self.skeletons[c].kind is not StateKind.HISTORY]
            return (first[0],) if first else (), None, ()
        actions: Any = None
        refs, tpath = spec, path
        if isinstance(spec, dict):
            refs, tpath, actions = spec.get("target"), (*path, "target"), spec.get("actions")
        targets = self.targets(refs, tpath, inside=sk)
        if not targets:
            return (), None, ()
        return targets, actions, (*path, "actions")

    def history_default(
        self, sk: StateSkeleton, initials: dict[str, tuple[str, ...]]
    ) -> list[Transition]:
        """The default transition of a history state (its actions are built later)."""
        parent = self.skeletons[sk.parent or ROOT]
        if "target" in sk.data:
            targets = self.targets(sk.data["target"], (*sk.path, "target"))
            if targets is None:
                return []
            for t in targets:
                if parent.id not in self.ancestors(t):
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
            targets = initials.get(parent.id, ())
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

    def state(
        self,
        sk: StateSkeleton,
        transitions: list[Transition],
        initial: tuple[tuple[str, ...], Any, Pointer],
        flow: EventFlow,
    ) -> State:
        data = sk.data
        env = self.env(())
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
                tags=tuple(str(t) for t in data.get("tags") or () if t is not None),
                terminal=bool(data.get("terminal", False)),
            )
            if sk.id != ROOT
            else StateMeta(label=data.get("title"), description=data.get("description"))
        )
        history = None
        entry: tuple[Action, ...] = ()
        exit_: tuple[Action, ...] = ()
        targets, initial_spec, initial_path = initial
        initial_actions: tuple[Action, ...] = ()
        if sk.kind is StateKind.HISTORY:
            history = HistoryKind(data.get("history", "shallow"))
            if data.get("actions") and transitions:
                entered = self.envs.flow_env(sk.id, flow.entering(sk.id), "enter")
                acts = self.actions.actions(data["actions"], (*sk.path, "actions"), entered)
                transitions = [replace(transitions[0], actions=acts)]
        if sk.id != ROOT:
            if data.get("entry") or initial_spec:
                entered = self.envs.flow_env(sk.id, flow.entering(sk.id), "enter")
                entry = self.actions.actions(data.get("entry"), (*sk.path, "entry"), entered)
                initial_actions = self.actions.actions(initial_spec, initial_path, entered)
            if data.get("exit"):
                left = self.envs.flow_env(sk.id, flow.leaving(sk.id), "leave")
                exit_ = self.actions.actions(data.get("exit"), (*sk.path, "exit"), left)
        elif initial_spec:
            initial_actions = self.actions.actions(initial_spec, initial_path, self.base_env)
        return State(
            id=sk.id,
            name=sk.name,
            kind=sk.kind,
            parent=sk.parent,
            children=tuple(sk.children),
            initial=targets,
            initial_actions=initial_actions,
            transitions=tuple(transitions),
            entry=entry,
            exit=exit_,
            invoke=tuple(invokes),
            history=history,
            ignore=_names(data.get("ignore")) if sk.id != ROOT else (),
            meta=meta,
            depth=sk.depth,
            order=sk.order,
            span=sk.span,
            path=format_path(sk.path),
        )

    def build(self) -> Chart | None:
        """The chart, or a draft of it when there are errors (see :attr:`ok`)."""
        initials = {sid: self.initial(sk) for sid, sk in self.skeletons.items()}
        targets = {sid: t for sid, (t, _, _) in initials.items()}
        transitions = {
            sid: (
                self.history_default(sk, targets)
                if sk.kind is StateKind.HISTORY
                else self.transitions.of_state(sk)
            )
            for sid, sk in self.skeletons.items()
        }
        shape = Shape(
            parent={sid: sk.parent for sid, sk in self.skeletons.items()},
            kind={sid: sk.kind for sid, sk in self.skeletons.items()},
            children={sid: tuple(sk.children) for sid, sk in self.skeletons.items()},
            initial=targets,
            history_default={
                sid: ts[0].targets
                for sid, ts in transitions.items()
                if self.skeletons[sid].kind is StateKind.HISTORY and ts
            },
        )
        flow = EventFlow(shape, (t for ts in transitions.values() for t in ts))
        states = {
            sid: self.state(sk, transitions[sid], initials[sid], flow)
            for sid, sk in self.skeletons.items()
        }
        rules = self.rules()
        policy = build_policy(
            self.doc, self.diagnostics, self.compiler, self.base_env, self.decl.templates,
            self.sources,
        )  # fmt: skip
        self.actions.check_cancels()
        if not self.skeletons[ROOT].children:
            self.error(
                "E305",
                "the chart has no states; expected at least one state under `states:`",
                ("states",),
            )
        self.ok = not any(d.is_error for d in self.diagnostics)
        data = self.doc.data
        version = data.get("version")
        try:
            return Chart(
                id=str(data.get("id", "")),
                version=version if isinstance(version, int) else 0,
                states=MappingProxyType(states),
                context=self.decl.context,
                defaults=MappingProxyType(self.decl.defaults),
                events=MappingProxyType(self.decl.events),
                tasks=MappingProxyType(self.decl.tasks),
                templates=MappingProxyType(self.decl.templates),
                calendars=MappingProxyType(self.decl.calendars),
                ignore=_names(data.get("ignore")),
                rules=rules,
                title=data.get("title"),
                description=data.get("description"),
                metadata=MappingProxyType(dict(data.get("metadata") or {})),
                file=self.doc.file,
                source_hash=self._hash(),
                sources=(self.doc.file, *self.sources),
                refs=MappingProxyType(self.refs.unique()),
                notification_policy=policy,
            )
        except ValueError:
            if self.ok:
                raise
            return None  # a draft whose structure is too broken to hold together

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
    """The chart of a schema-valid document, or None when it has errors."""
    builder = ChartBuilder(doc, sources, diagnostics, functions)
    chart = builder.build()
    return chart if builder.ok else None


def build_draft(
    doc: Document,
    sources: list[str],
    diagnostics: list[Diagnostic],
    functions: FunctionRegistry | None = None,
    loose: frozenset[Pointer] = frozenset(),
) -> tuple[Chart | None, bool]:
    """The chart, even with errors (a draft for the checks that can still run), and
    whether it is free of errors. ``loose``: field declarations with an unknown type."""
    builder = ChartBuilder(doc, sources, diagnostics, functions, loose)
    chart = builder.build()
    return chart, builder.ok
