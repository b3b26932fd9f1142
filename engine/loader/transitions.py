"""Stage 4d: the transitions of one state: ``on``, ``always``, ``after`` and task outcomes.

Each transition's targets are resolved, its guard and actions type-checked against the
event it reacts to, and timers get their delay, open-days and calendar expressions.
Transitions come out in document order (their position in the file).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from engine.errors import Diagnostic, Severity
from engine.expr import TypeEnv
from engine.expr.types import ANY, BOOLEAN, DURATION, INTEGER, RecordType, Type, strip_optional
from engine.loader.states import StateSkeleton
from engine.loader.yaml_source import Pointer, format_path
from engine.model import Expression, Manual, Timer, Transition, TransitionKind, Trigger
from engine.source import Span

if TYPE_CHECKING:
    from engine.loader.build import ChartBuilder

__all__ = ["CALENDAR_FIELDS", "TransitionBuilder"]

#: The fields a context record must have to serve as a per-instance calendar.
CALENDAR_FIELDS = ("timezone", "days", "opens", "closes")


def _many(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class TransitionBuilder:
    """Builds transitions for a :class:`~engine.loader.build.ChartBuilder` (its services:
    references, environments, expressions and actions)."""

    def __init__(self, chart: ChartBuilder) -> None:
        self.b = chart

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
        b = self.b
        if isinstance(spec, str):
            spec = {"target": spec}
        if not isinstance(spec, dict):
            return None
        env = b.env(events)
        targets: tuple[str, ...] | None = ()
        if "target" in spec:
            targets = b.targets(spec["target"], (*path, "target"))
        guard = None
        if "guard" in spec:
            guard, _ = b.compiler.expression(spec["guard"], (*path, "guard"), env, BOOLEAN)
        actions = b.actions.actions(spec.get("actions"), (*path, "actions"), env)
        manual = None
        if isinstance(spec.get("manual"), dict):
            m = spec["manual"]
            if trigger is not Trigger.EVENT or any("*" in e for e in events):
                b.error(
                    "E317",
                    "only a transition on a named event can be a manual action; "
                    "expected `manual:` under `on: <event>`",
                    (*path, "manual"),
                )
            manual = Manual(
                label=str(m.get("label", events[0] if events else "")),
                roles=tuple(str(r) for r in m.get("roles") or () if r is not None),
                note_required=bool(m.get("note_required", False)),
                description=m.get("description"),
            )
            trigger = Trigger.MANUAL
        kind = TransitionKind.INTERNAL if spec.get("internal") is True else TransitionKind.EXTERNAL
        if (
            kind is TransitionKind.INTERNAL
            and targets
            and not all(sid in b.skeletons and sk.id in b.ancestors(sid) for sid in targets)
        ):
            b.diagnostics.append(
                Diagnostic(
                    "W318",
                    Severity.WARNING,
                    "`internal: true` has no effect unless every target is inside the source state",
                    b.doc.span((*path, "internal")),
                    format_path((*path, "internal")),
                )
            )
        if targets is None:
            return None
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
            span=b.doc.span(path),
            path=format_path(path),
            event_span=event_span,
        )

    def of_state(self, sk: StateSkeleton) -> list[Transition]:
        """Every transition of ``sk`` in document order, numbered in the chart's order."""
        b = self.b
        data, path = sk.data, sk.path
        found: list[tuple[tuple[int, int], Transition]] = []

        def add(t: Transition | None) -> None:
            if t is not None:
                pos = (
                    (t.span.line, t.span.col)
                    if t.span and t.span.file == b.doc.file
                    else (0, t.order)
                )
                found.append((pos, t))

        on = data.get("on")
        if isinstance(on, dict):
            for descriptor, specs in on.items():
                for i, spec in enumerate(_many(specs)):
                    p: Pointer = (
                        (*path, "on", descriptor, i)
                        if isinstance(specs, list)
                        else (*path, "on", descriptor)
                    )
                    key_span = b.doc.span((*path, "on", descriptor), key=True)
                    add(
                        self.transition(
                            sk, spec, p, (str(descriptor),), Trigger.EVENT, None, key_span
                        )
                    )
        for i, spec in enumerate(_many(data.get("always") or [])):
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
                for i, spec in enumerate(_many(specs)):
                    p = (
                        (*path, "invoke", key, i)
                        if isinstance(specs, list)
                        else (*path, "invoke", key)
                    )
                    key_span = b.doc.span((*path, "invoke", key), key=True)
                    add(self.transition(sk, spec, p, (event,), Trigger.TASK, None, key_span))
        found.sort(key=lambda pair: pair[0])
        out = []
        for _, t in found:
            b.order += 1
            out.append(replace(t, order=b.order))
        return out

    def _timed_value(
        self, value: Any, path: Pointer, env: TypeEnv, want: Type, what: str
    ) -> Expression | None:
        """A delay or open-days expression: of type ``want`` or optional ``want`` (null = no timer)."""
        expr, typ = self.b.compiler.expression(value, path, env)
        if expr is None or typ is None:
            return None
        base = strip_optional(typ)
        if base != want and base != ANY:
            self.b.error("E211", f"{what} is {typ.describe()}; expected {want.describe()}", path)
            return None
        return expr

    def _calendar(
        self, name: Any, path: Pointer, env: TypeEnv
    ) -> tuple[str | None, Expression | None]:
        """A declared calendar's name, or a context field holding a per-instance calendar."""
        b = self.b
        if not isinstance(name, str):
            return None, None
        if name in b.decl.calendars:
            return name, None
        field = b.decl.context.field(name)
        if field is not None:
            base = strip_optional(field.type)
            if isinstance(base, RecordType) and all(
                base.field(f) is not None for f in CALENDAR_FIELDS
            ):
                expr, _ = b.compiler.expression(name, path, env)
                return None, expr
            b.error(
                "E310",
                f"context field '{name}' is {field.type.describe()}; expected a calendar record with "
                + ", ".join(CALENDAR_FIELDS),
                path,
            )
            return None, None
        known = ", ".join(sorted(b.decl.calendars)) or "none declared"
        b.error(
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
        env = self.b.env(())
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
