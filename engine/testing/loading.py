"""Reading scenario files: YAML with positions -> :class:`~engine.testing.scenario.Scenario`.

Every problem is collected with the span of the offending YAML node and reported at once
as a :class:`ScenarioError` (codes S1xx, listed in docs/testing.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from engine.errors import Diagnostic, Severity, StatewiseError
from engine.loader.files import FileRefused, read_text
from engine.loader.yaml_source import Document, Pointer, format_path, parse_yaml
from engine.source import Span
from engine.testing.scenario import (
    AdvanceStep,
    ExpectRefusedStep,
    ExpectStep,
    NoteStep,
    Scenario,
    SendStep,
    StartStep,
    Step,
    Target,
    TaskStep,
)

__all__ = ["EXPECT_CHECKS", "ScenarioError", "load_scenario", "parse_scenario"]

_TOP = {"name", "description", "chart", "charts", "context", "start", "key", "steps", "xfail"}
_SEND = {"event", "data", "actor", "roles", "note", "client_note", "instance"}
_REFUSED = {"event", "data", "actor", "roles", "note", "blocker", "instance"}
#: the checks an ``expect`` step may make
EXPECT_CHECKS = (
    "configuration",
    "states",
    "context",
    "notifications",
    "manual_actions",
    "history",
    "tasks",
    "timers",
    "done",
    "status",
    "refused",
    "reason",
)
_NOTIFICATION = {"channel", "to", "template", "subject", "contains", "excludes"}
_HISTORY = {"event", "kind", "from", "to", "actor", "note", "client_note"}
_STEPS = ("send", "advance", "task", "note", "start", "expect", "expect_refused")


class ScenarioError(StatewiseError):
    """A scenario file is malformed; ``diagnostics`` lists every problem with its position."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = tuple(sorted(diagnostics, key=Diagnostic.sort_key))
        super().__init__("\n".join(d.format() for d in self.diagnostics))


def load_scenario(path: str | Path) -> Scenario:
    p = Path(path)
    try:
        text = read_text(p)
    except FileRefused as exc:
        span = Span.point(str(p), 1, 1)
        raise ScenarioError([Diagnostic("S100", Severity.ERROR, exc.reason, span)]) from None
    return parse_scenario(text, str(p))


def parse_scenario(text: str, file: str) -> Scenario:
    doc, problems = parse_yaml(text, file)
    if doc is None:
        raise ScenarioError(problems)
    reader = _Reader(doc, problems)
    scenario = reader.scenario()
    if reader.problems or scenario is None:
        raise ScenarioError(reader.problems)
    return scenario


class _Reader:
    def __init__(self, doc: Document, problems: list[Diagnostic]) -> None:
        self.doc = doc
        self.problems = problems
        self.folder = Path(doc.file).parent

    # -- reporting ----------------------------------------------------------------------
    def fail(self, path: Pointer, message: str, code: str = "S103", *, key: bool = False) -> None:
        span = self.doc.span(path, key=key)
        self.problems.append(Diagnostic(code, Severity.ERROR, message, span, format_path(path)))

    def span(self, path: Pointer) -> Span | None:
        return self.doc.span(path)

    def keys(self, value: Mapping[str, Any], allowed: set[str], path: Pointer, what: str) -> None:
        for k in value:
            if k not in allowed:
                self.fail(
                    (*path, k),
                    f"unknown key '{k}' in {what}; expected one of: {', '.join(sorted(allowed))}",
                    "S101",
                    key=True,
                )

    # -- typed readers ------------------------------------------------------------------
    def mapping(self, value: Any, path: Pointer, what: str) -> Mapping[str, Any] | None:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(path, f"{what} must be a mapping")
            return None
        exact: Mapping[str, Any] = self.exact(value, path)
        return exact

    def exact(self, value: Any, path: Pointer) -> Any:
        """Numbers with a fraction as the Decimal they were written as (``10.00``, not 10.0)."""
        if isinstance(value, float):
            loc = self.doc.loc(path)
            if loc is not None and loc.style == "" and loc.span.line == loc.span.end_line:
                line = self.doc.text.splitlines()[loc.span.line - 1]
                try:
                    return Decimal(line[loc.span.col - 1 : loc.span.end_col - 1])
                except InvalidOperation:
                    return value
            return value
        if isinstance(value, dict):
            return {k: self.exact(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.exact(v, (*path, i)) for i, v in enumerate(value)]
        return value

    def string(self, value: Any, path: Pointer, what: str, *, required: bool = False) -> str | None:
        if value is None:
            if required:
                self.fail(path, f"{what} is required", "S102")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(path, f"{what} must be a text")
            return None
        return str(value)

    def strings(self, value: Any, path: Pointer, what: str) -> tuple[str, ...] | None:
        if value is None:
            return None
        items = value if isinstance(value, list) else [value]
        out = []
        for i, item in enumerate(items):
            s = self.string(item, (*path, i) if isinstance(value, list) else path, what)
            if s is not None:
                out.append(s)
        return tuple(out)

    def timestamp(self, value: Any, path: Pointer) -> datetime | None:
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(
                path, f"'{value}' is not a timestamp; expected e.g. 2026-11-22T10:00:00Z", "S104"
            )
            return None
        if when.tzinfo is None:
            self.fail(path, f"'{value}' has no time zone; add Z or an offset like +01:00", "S104")
            return None
        return when

    def duration(self, value: Any, path: Pointer) -> timedelta | None:
        from engine.expr.values import parse_duration

        try:
            return parse_duration(str(value))
        except ValueError:
            self.fail(path, f"'{value}' is not a duration; expected e.g. 10m, 2h, 1d12h", "S104")
            return None

    def target(self, value: Any, path: Pointer) -> Target | None:
        if value is None:
            return None
        if isinstance(value, dict):
            self.keys(value, {"key", "chart"}, path, "instance")
            key = self.string(value.get("key"), (*path, "key"), "instance key", required=True)
            chart = self.string(value.get("chart"), (*path, "chart"), "instance chart")
            return Target(key, chart) if key is not None else None
        key = self.string(value, path, "instance")
        return None if key is None else Target(key)

    # -- the document -------------------------------------------------------------------
    def scenario(self) -> Scenario | None:
        data = self.doc.data
        if not isinstance(data, dict):
            self.fail((), "a scenario must be a mapping with chart and steps", "S100")
            return None
        self.keys(data, _TOP, (), "a scenario")
        chart_ref = self.string(data.get("chart"), ("chart",), "chart", required=True)
        chart = self.chart_path(chart_ref, ("chart",)) if chart_ref else None
        charts = []
        for i, ref in enumerate(self.strings(data.get("charts"), ("charts",), "charts") or ()):
            found = self.chart_path(ref, ("charts", i))
            if found is not None:
                charts.append(found)
        context = self.mapping(data.get("context"), ("context",), "context")
        start = self.timestamp(data["start"], ("start",)) if data.get("start") is not None else None
        key = self.string(data.get("key"), ("key",), "key")
        raw_steps = data.get("steps")
        steps: list[Step] = []
        if not isinstance(raw_steps, list):
            self.fail(
                ("steps",), "steps must be a list of steps", "S102" if raw_steps is None else "S103"
            )
        else:
            for i, raw in enumerate(raw_steps):
                step = self.step(raw, ("steps", i))
                if step is not None:
                    steps.append(step)
        name = (
            self.string(data.get("name"), ("name",), "name")
            or Path(self.doc.file).name.split(".")[0]
        )
        if chart is None or context is None:
            return None
        return Scenario(
            file=self.doc.file,
            name=name,
            chart=chart,
            steps=tuple(steps),
            context=context,
            charts=tuple(charts),
            start=start,
            key=key,
            description=self.string(data.get("description"), ("description",), "description"),
            span=self.span(()),
            context_span=self.span(("context",)),
            xfail=self.string(data.get("xfail"), ("xfail",), "xfail"),
        )

    def chart_path(self, ref: str, path: Pointer) -> Path | None:
        found = (self.folder / ref).resolve()
        if not found.is_file():
            self.fail(path, f"chart file '{ref}' not found (looked at {found})", "S105")
            return None
        return found

    def step(self, raw: Any, path: Pointer) -> Step | None:
        if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in _STEPS:
            self.fail(path, f"a step is a mapping with one of: {', '.join(_STEPS)}", "S106")
            return None
        kind, value = next(iter(raw.items()))
        here: Pointer = (*path, kind)
        span = self.span(path)
        if kind == "send":
            return self.send(value, here, span)
        if kind == "expect_refused":
            return self.refused(value, here, span)
        if kind == "expect":
            return self.expect(value, here, span)
        if kind == "advance":
            if isinstance(value, dict):
                self.keys(value, {"by", "to"}, here, "advance")
                if "to" in value:
                    return AdvanceStep(to=self.timestamp(value["to"], (*here, "to")), span=span)
                return AdvanceStep(self.duration(value.get("by"), (*here, "by")), span=span)
            return AdvanceStep(self.duration(value, here), span=span)
        if kind == "task":
            return self.task(value, here, span)
        if kind == "note":
            if isinstance(value, dict):
                self.keys(value, {"text", "actor", "instance"}, here, "note")
                text = self.string(value.get("text"), (*here, "text"), "note text", required=True)
                actor = self.string(value.get("actor"), (*here, "actor"), "actor")
                target = self.target(value.get("instance"), (*here, "instance"))
                return NoteStep(text or "", actor, target, span)
            return NoteStep(self.string(value, here, "note", required=True) or "", span=span)
        # start
        body = self.mapping(value, here, "start") or {}
        self.keys(body, {"context", "key", "chart"}, here, "start")
        ref = self.string(body.get("chart"), (*here, "chart"), "chart")
        context = self.mapping(body.get("context"), (*here, "context"), "context") or {}
        key = self.string(body.get("key"), (*here, "key"), "key")
        chart = self.chart_path(ref, (*here, "chart")) if ref else None
        return StartStep(context, key, chart, span)

    def send(self, value: Any, path: Pointer, span: Span | None) -> SendStep | None:
        if not isinstance(value, dict):
            event = self.string(value, path, "event", required=True)
            return None if event is None else SendStep(event, span=span)
        self.keys(value, _SEND, path, "send")
        event = self.string(value.get("event"), (*path, "event"), "event", required=True)
        return SendStep(
            event=event or "",
            data=self.mapping(value.get("data"), (*path, "data"), "data") or {},
            actor=self.string(value.get("actor"), (*path, "actor"), "actor"),
            roles=self.strings(value.get("roles"), (*path, "roles"), "role"),
            note=self.string(value.get("note"), (*path, "note"), "note"),
            client_note=self.string(
                value.get("client_note"), (*path, "client_note"), "client_note"
            ),
            instance=self.target(value.get("instance"), (*path, "instance")),
            span=span,
        )

    def refused(self, value: Any, path: Pointer, span: Span | None) -> ExpectRefusedStep | None:
        if not isinstance(value, dict):
            event = self.string(value, path, "event", required=True)
            return None if event is None else ExpectRefusedStep(event, span=span)
        self.keys(value, _REFUSED, path, "expect_refused")
        event = self.string(value.get("event"), (*path, "event"), "event", required=True)
        return ExpectRefusedStep(
            event=event or "",
            data=self.mapping(value.get("data"), (*path, "data"), "data") or {},
            actor=self.string(value.get("actor"), (*path, "actor"), "actor"),
            roles=self.strings(value.get("roles"), (*path, "roles"), "role"),
            note=self.string(value.get("note"), (*path, "note"), "note"),
            blocker=self.string(value.get("blocker"), (*path, "blocker"), "blocker"),
            instance=self.target(value.get("instance"), (*path, "instance")),
            span=span,
        )

    def task(self, value: Any, path: Pointer, span: Span | None) -> TaskStep | None:
        body = self.mapping(value, path, "task")
        if body is None:
            return None
        self.keys(body, {"name", "result", "error", "instance"}, path, "task")
        name = self.string(body.get("name"), (*path, "name"), "task name", required=True)
        if ("result" in body) == ("error" in body):
            self.fail(path, "a task step gives exactly one of result and error", "S102")
            return None
        result = None
        if "result" in body:
            result = self.mapping(body["result"], (*path, "result"), "result")
        error = self.string(body.get("error"), (*path, "error"), "error")
        instance = self.target(body.get("instance"), (*path, "instance"))
        return None if name is None else TaskStep(name, result, error, span, instance)

    def expect(self, value: Any, path: Pointer, span: Span | None) -> ExpectStep | None:
        body = self.mapping(value, path, "expect")
        if body is None:
            return None
        self.keys(body, {*EXPECT_CHECKS, "roles", "instance"}, path, "expect")
        checks = {k: self.exact(v, (*path, k)) for k, v in body.items() if k in EXPECT_CHECKS}
        for name, item in checks.items():
            self.check_shape(name, item, (*path, name))
        spans = {k: self.span((*path, k)) for k in checks}
        return ExpectStep(
            checks=checks,
            instance=self.target(body.get("instance"), (*path, "instance")),
            roles=self.strings(body.get("roles"), (*path, "roles"), "role"),
            spans=spans,
            span=span,
        )

    def check_shape(self, name: str, value: Any, path: Pointer) -> None:
        if name in ("configuration", "states", "manual_actions"):
            self.strings(value, path, name)
        elif name == "timers":
            for i, item in enumerate(value if isinstance(value, list) else [value]):
                where = (*path, i) if isinstance(value, list) else path
                if isinstance(item, dict):
                    self.keys(item, {"event", "id", "due"}, where, "an expected timer")
                else:
                    self.string(item, where, "timer")
        elif name == "context":
            self.mapping(value, path, "context")
        elif name in ("done", "refused"):
            if not isinstance(value, bool):
                self.fail(path, f"{name} must be true or false")
        elif name in ("status", "reason"):
            self.string(value, path, name)
        elif name in ("notifications", "history", "tasks"):
            if not isinstance(value, list):
                self.fail(path, f"{name} must be a list")
                return
            allowed = {
                "notifications": _NOTIFICATION,
                "history": _HISTORY,
                "tasks": {"name", "input"},
            }
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    self.keys(item, allowed[name], (*path, i), f"an expected {name} entry")
                elif name == "notifications" or not isinstance(item, str):
                    self.fail((*path, i), f"an entry of {name} must be a mapping")
