"""Notification templates: load-time checks and sandboxed rendering.

Templates render in a bounded jinja2 sandbox (:mod:`engine.notify.sandbox`) with
:class:`~jinja2.StrictUndefined`, so a template can neither reach Python internals, nor
silently print an empty value, nor exhaust time or memory. At load time every variable a
template uses is checked against what it will be given: the context fields, ``event``,
``instance`` and the ``data`` keys of the ``notify`` actions that use it; a template may
not include, import or extend other templates (E504).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from jinja2 import TemplateSyntaxError, meta, nodes

from engine.errors import Diagnostic, Severity
from engine.model import Chart, Notify, TemplateDecl
from engine.notify.sandbox import BoundedSandbox, render_bounded
from engine.source import Span

__all__ = ["ALWAYS_AVAILABLE", "check_templates", "environment", "render"]

#: Variables every template may use besides the context fields and notify data.
ALWAYS_AVAILABLE = frozenset({"event", "_event", "instance"})


#: what ``_event`` holds in a template: the event's name, who sent it and their notes
_SYSTEM_EVENT_FIELDS = ("name", "actor", "note", "client_note")

#: the longest subject a template may render
MAX_SUBJECT = 1000

_OTHER_TEMPLATES = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


@lru_cache(maxsize=1)
def environment() -> BoundedSandbox:
    return BoundedSandbox()


def notify_actions(chart: Chart) -> Iterator[Notify]:
    for action in chart.actions():
        if isinstance(action, Notify):
            yield action


def _span_in(decl: TemplateDecl, line: int) -> Span | None:
    if decl.body_file:
        return Span.point(decl.body_file, line, 1)
    return decl.span


def _where_used(text: str, name: str) -> tuple[int, int] | None:
    """(line index, column index) of the first use of ``name`` inside a ``{{ }}``/``{% %}`` tag."""
    for i, line in enumerate(text.splitlines()):
        for m in re.finditer(rf"\b{re.escape(name)}\b", line):
            before = line[: m.start()]
            opened = max(before.rfind("{{"), before.rfind("{%"))
            closed = max(before.rfind("}}"), before.rfind("%}"))
            if opened > closed:
                return i, m.start()
    return None


def _span_of_use(decl: TemplateDecl, part: str, text: str, name: str) -> Span | None:
    origin = decl.subject_origin if part == "subject" else decl.body_origin
    used = _where_used(text, name)
    if origin is None or used is None or used[0] >= len(origin[1]):
        return decl.span
    file, starts = origin
    line, col = starts[used[0]]
    return Span(file, line, col + used[1], line, col + used[1] + len(name))


def _check_one(
    decl: TemplateDecl, part: str, text: str, allowed: frozenset[str]
) -> list[Diagnostic]:
    env = environment()
    path = f"templates.{decl.name}.{part}"
    try:
        ast = env.parse(text)
    except TemplateSyntaxError as exc:
        line = exc.lineno if part != "subject" else 1
        return [
            Diagnostic(
                "E503",
                Severity.ERROR,
                f"template '{decl.name}' {part}: {exc.message}; expected valid jinja2 syntax",
                _span_in(decl, line) if part != "subject" else decl.span,
                path,
            )
        ]
    out = []
    for node in ast.find_all(_OTHER_TEMPLATES):
        out.append(
            Diagnostic(
                "E504",
                Severity.ERROR,
                f"template '{decl.name}' {part}: a template cannot include, import or extend "
                "other templates; expected the whole text here",
                _span_in(decl, node.lineno) if part != "subject" else decl.span,
                path,
            )
        )
    for got in ast.find_all(nodes.Getattr):
        if (
            isinstance(got.node, nodes.Name)
            and got.node.name == "_event"
            and got.attr not in _SYSTEM_EVENT_FIELDS
        ):
            out.append(
                Diagnostic(
                    "E502",
                    Severity.ERROR,
                    f"template '{decl.name}' {part} uses '_event.{got.attr}', which it is never "
                    f"given; expected one of: {', '.join(f'_event.{f}' for f in _SYSTEM_EVENT_FIELDS)}",
                    _span_of_use(decl, part, text, f"_event.{got.attr}"),
                    path,
                )
            )
    for name in sorted(meta.find_undeclared_variables(ast) - allowed):
        out.append(
            Diagnostic(
                "E502",
                Severity.ERROR,
                f"template '{decl.name}' {part} uses '{name}', which it is never given; expected a "
                "context field, `event`, `instance`, or a key of the notify action's `data`",
                _span_of_use(decl, part, text, name),
                path,
            )
        )
    return out


def check_templates(
    chart: Chart, *, given: Mapping[str, Iterable[str]] | None = None
) -> list[Diagnostic]:
    """Syntax and undeclared-variable problems of every template of ``chart``.

    ``given`` adds ``data`` keys notify actions pass (the loader reads them from the
    document, so an action that could not be built still counts).
    """
    context = frozenset(f.name for f in chart.context.fields)
    data_keys: dict[str, set[str]] = {}
    for n in notify_actions(chart):
        for name in n.choices or (n.template,):
            data_keys.setdefault(name, set()).update(k for k, _ in n.data)
    for name, keys in (given or {}).items():
        data_keys.setdefault(name, set()).update(keys)
    out: list[Diagnostic] = []
    for decl in chart.templates.values():
        allowed = context | ALWAYS_AVAILABLE | frozenset(data_keys.get(decl.name, ()))
        if decl.subject:
            out.extend(_check_one(decl, "subject", decl.subject, allowed))
        out.extend(_check_one(decl, "body", decl.body, allowed))
    return out


def render(decl: TemplateDecl, variables: Mapping[str, Any]) -> tuple[str | None, str]:
    """(subject, body) of a template rendered in the bounded sandbox.

    Raises jinja2's ``TemplateError`` (``RenderLimit`` for a broken bound) or whatever the
    template's own operations raise (``1 // 0``); the dispatcher reports either as a
    failed notification.
    """
    env = environment()
    subject = (
        render_bounded(env, decl.subject, variables, limit=MAX_SUBJECT) if decl.subject else None
    )
    return subject, render_bounded(env, decl.body, variables)
