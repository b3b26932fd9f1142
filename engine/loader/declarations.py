"""Stage 4a: the chart's declarations: context types, events, tasks, templates, calendars."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.errors import Diagnostic, Severity
from engine.expr.types import (
    ANY,
    PRIMITIVES,
    STRING,
    EnumType,
    Field,
    ListType,
    OptionalType,
    RecordType,
    Type,
)
from engine.expr.values import coerce
from engine.loader.files import MAX_TEMPLATE_BYTES, FileRefused, confine, exists, read_text
from engine.loader.yaml_source import Document, Pointer, format_path
from engine.model import Calendar, EventDecl, EventSource, TaskDecl, TemplateDecl

__all__ = ["Declarations", "build_declarations", "build_record"]

_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass(slots=True)
class Declarations:
    context: RecordType
    defaults: dict[str, Any]
    events: dict[str, EventDecl]
    tasks: dict[str, TaskDecl]
    templates: dict[str, TemplateDecl]
    calendars: dict[str, Calendar]


class _Builder:
    def __init__(
        self,
        doc: Document,
        diagnostics: list[Diagnostic],
        loose: frozenset[Pointer] = frozenset(),
    ) -> None:
        self.doc = doc
        self.diagnostics = diagnostics
        self.loose = loose

    def error(self, code: str, message: str, path: Pointer, *, key: bool = False) -> None:
        self.diagnostics.append(
            Diagnostic(
                code, Severity.ERROR, message, self.doc.span(path, key=key), format_path(path)
            )
        )

    def type_of(self, decl: Any, path: Pointer) -> tuple[Type, bool, Any]:
        """(type, has_default, default value) of one declaration; errors are reported.

        A declaration left out for breaking the schema (``loose``) has an unknown type, so
        the expressions using it are still checked, without follow-on errors.
        """
        if path in self.loose:
            return ANY, False, None
        if isinstance(decl, str):
            prim = PRIMITIVES.get(decl)
            if prim is None:
                self.error(
                    "E307", f"unknown type '{decl}'; expected one of: {', '.join(PRIMITIVES)}", path
                )
                return STRING, False, None
            return prim, False, None
        if not isinstance(decl, dict):
            return STRING, False, None  # reported by the schema
        kind = decl.get("type")
        t: Type
        if kind in PRIMITIVES:
            t = PRIMITIVES[kind]
        elif kind == "enum":
            values = decl.get("values") or []
            t = EnumType(tuple(str(v) for v in values if v is not None))
            if len(set(t.values)) != len(t.values):
                self.error(
                    "E307", "enum values repeat; expected each value once", (*path, "values")
                )
        elif kind == "list":
            item, _, _ = self.type_of(decl.get("items", "string"), (*path, "items"))
            t = ListType(item)
        elif kind == "record":
            t = self.record(decl.get("fields") or {}, (*path, "fields"))
        else:
            return STRING, False, None  # reported by the schema
        if decl.get("optional") is True:
            t = OptionalType(t)
        if "default" in decl:
            try:
                return t, True, coerce(decl["default"], t)
            except ValueError as exc:
                self.error("E312", f"invalid default value: {exc}", (*path, "default"))
                return t, True, None
        return t, False, None

    def record(self, fields: Any, path: Pointer) -> RecordType:
        if not isinstance(fields, dict):
            return RecordType(())
        out = []
        for name, decl in fields.items():
            t, has_default, _ = self.type_of(decl, (*path, name))
            out.append(Field(name, t, has_default))
        return RecordType(tuple(out))

    def context(self) -> tuple[RecordType, dict[str, Any]]:
        section = self.doc.data.get("context") or {}
        fields, defaults = [], {}
        if isinstance(section, dict):
            for name, decl in section.items():
                t, has_default, value = self.type_of(decl, ("context", name))
                fields.append(Field(name, t, has_default))
                if has_default:
                    defaults[name] = value
        return RecordType(tuple(fields)), defaults

    def events(self) -> dict[str, EventDecl]:
        section = self.doc.data.get("events") or {}
        out: dict[str, EventDecl] = {}
        for name, decl in section.items() if isinstance(section, dict) else ():
            decl = decl or {}
            path: Pointer = ("events", name)
            out[name] = EventDecl(
                name=name,
                source=EventSource(decl.get("source", "external")),
                data=self.record(decl.get("data") or {}, (*path, "data")),
                description=decl.get("description"),
                span=self.doc.span(path, key=True),
            )
        return out

    def tasks(self) -> dict[str, TaskDecl]:
        section = self.doc.data.get("tasks") or {}
        out: dict[str, TaskDecl] = {}
        for name, decl in section.items() if isinstance(section, dict) else ():
            decl = decl or {}
            path: Pointer = ("tasks", name)
            out[name] = TaskDecl(
                name=name,
                input=self.record(decl.get("input") or {}, (*path, "input")),
                result=self.record(decl.get("result") or {}, (*path, "result")),
                description=decl.get("description"),
                span=self.doc.span(path, key=True),
            )
        return out

    def templates(self) -> dict[str, TemplateDecl]:
        section = self.doc.data.get("templates") or {}
        out: dict[str, TemplateDecl] = {}
        for name, decl in section.items() if isinstance(section, dict) else ():
            path: Pointer = ("templates", name)
            body = decl.get("body")
            body_file = decl.get("body_file")
            if body_file is not None:
                body, body_file = self._body_file(str(body_file), (*path, "body_file"))
            body_text = str(body or "")
            body_origin: tuple[str, tuple[tuple[int, int], ...]] | None
            if body_file is not None:
                lines = body_text.count("\n") + 1
                body_origin = (str(body_file), tuple((i + 1, 1) for i in range(lines)))
            else:
                body_origin = self._origin((*path, "body"), body_text)
            subject = decl.get("subject")
            out[name] = TemplateDecl(
                name=name,
                body=body_text,
                body_origin=body_origin,
                subject_origin=self._origin((*path, "subject"), str(subject or "")),
                subject=decl.get("subject"),
                channel=decl.get("channel"),
                body_file=body_file,
                description=decl.get("description"),
                span=self.doc.span(path, key=True),
            )
        return out

    def _body_file(self, ref: str, path: Pointer) -> tuple[str, str]:
        """(text, resolved path) of a template's ``body_file``; problems are reported at the
        ``body_file`` key and never quote the file (see :mod:`engine.loader.files`)."""
        loc = self.doc.loc(path)
        base = Path(loc.span.file if loc else self.doc.file).parent
        try:
            target = confine(ref, base, self.doc.folder())
        except FileRefused as refused:
            self.error(refused.code, f"body_file: {refused.reason}", path)
            return "", ref
        if not exists(target):
            self.error(
                "E501",
                f"template file '{ref}' not found (looked for {target}); "
                "expected a path relative to the file that names it",
                path,
            )
            return "", str(target)
        try:
            return read_text(target, limit=MAX_TEMPLATE_BYTES), str(target)
        except FileRefused as refused:
            self.error(refused.code, f"body_file: {refused.reason}", path)
            return "", str(target)

    def _origin(self, path: Pointer, text: str) -> tuple[str, tuple[tuple[int, int], ...]] | None:
        """Where each line of a scalar's value starts in the file."""
        loc = self.doc.loc(path)
        if loc is None:
            return None
        locate = loc.locate(text)
        starts = [0, *(i + 1 for i, ch in enumerate(text) if ch == "\n")]
        return loc.span.file, tuple(locate(st) for st in starts)

    def calendars(self) -> dict[str, Calendar]:
        section = self.doc.data.get("calendars") or {}
        out: dict[str, Calendar] = {}
        for name, decl in section.items() if isinstance(section, dict) else ():
            path: Pointer = ("calendars", name)
            tz = str(decl.get("timezone", "UTC"))
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                self.error(
                    "E310",
                    f"unknown time zone '{tz}'; expected an IANA name such as Europe/Copenhagen",
                    (*path, "timezone"),
                )
            opens = self._time(decl.get("opens", "00:00"), (*path, "opens"))
            closes = self._time(decl.get("closes", "23:59"), (*path, "closes"))
            if opens >= closes:
                self.error(
                    "E310",
                    "the calendar closes before it opens; expected opens < closes",
                    (*path, "closes"),
                )
            holidays = set()
            for i, h in enumerate(decl.get("holidays") or []):
                if h is None:
                    continue  # left out: it broke the schema
                try:
                    holidays.add(dt.date.fromisoformat(str(h)))
                except ValueError:
                    self.error(
                        "E310", f"'{h}' is not a date; expected YYYY-MM-DD", (*path, "holidays", i)
                    )
            out[name] = Calendar(
                name=name,
                timezone=tz,
                days=frozenset(_DAYS[d] for d in decl.get("days") or [] if d in _DAYS),
                opens=opens,
                closes=closes,
                holidays=frozenset(holidays),
                span=self.doc.span(path, key=True),
            )
        return out

    def _time(self, value: Any, path: Pointer) -> dt.time:
        if str(value) == "24:00":
            return dt.time.max
        try:
            return dt.time.fromisoformat(str(value))
        except ValueError:
            self.error("E310", f"'{value}' is not a time of day; expected HH:MM", path)
            return dt.time(0, 0)


def build_record(
    doc: Document, fields: Any, path: Pointer, diagnostics: list[Diagnostic]
) -> RecordType:
    return _Builder(doc, diagnostics).record(fields, path)


def build_declarations(
    doc: Document, diagnostics: list[Diagnostic], loose: frozenset[Pointer] = frozenset()
) -> Declarations:
    b = _Builder(doc, diagnostics, loose)
    context, defaults = b.context()
    return Declarations(
        context=context,
        defaults=defaults,
        events=b.events(),
        tasks=b.tasks(),
        templates=b.templates(),
        calendars=b.calendars(),
    )


def frozen(mapping: dict[str, Any]) -> MappingProxyType[str, Any]:
    return MappingProxyType(dict(mapping))
