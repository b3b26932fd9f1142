"""Where the cursor is in a chart: the key path of the key or value under it, and what
kind of thing is written there (a state reference, an expression, an event name...).

The loader's YAML stage keeps the position of every key and value by key path
(``Document.keys``/``values``); the innermost one holding the cursor gives the path. While
a value is still empty (``target: |``) YAML gives it no width, so the line's own key is read
from the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from engine.loader.yaml_source import Document, Pointer
from engine.source import Span

__all__ = ["Kind", "Spot", "spot_at"]


class Kind(StrEnum):
    STATE = "state"  # a target, an initial state, a history default
    EXPRESSION = "expression"  # a guard, an assignment value, a delay...
    EVENT = "event"  # a key under `on:`
    TEMPLATE = "template"  # `template:` of a notify action
    ROLE = "role"  # an item of `roles:`
    TASK = "task"  # `task:` of invoke, `name:` of a task action
    CALENDAR = "calendar"
    CHART = "chart"  # `chart:` of spawn, start, send to a related chart
    FILE = "file"  # an include, a body_file
    OTHER = "other"


#: keys whose value is an expression
_EXPRESSION_KEYS = frozenset(
    {"guard", "check", "if", "delay", "open_days", "for_each", "key", "log", "to"}
)


@dataclass(frozen=True, slots=True)
class Spot:
    """The key path under the cursor, whether it is a key, the span of that key or value,
    and what is written there."""

    path: Pointer
    is_key: bool
    span: Span | None
    kind: Kind


def _contains(span: Span, line: int, col: int) -> bool:
    if (line, col) < (span.line, span.col):
        return False
    return (line, col) <= (span.end_line, span.end_col)


def _innermost(doc: Document, line: int, col: int) -> tuple[Pointer, bool, Span | None]:
    """The innermost key or scalar value holding the cursor (else the innermost mapping or
    list): its path, whether it is a key, its span."""
    scalars: list[tuple[Pointer, bool, Span]] = []
    containers: list[tuple[Pointer, bool, Span]] = []
    for is_key, table in ((False, doc.values), (True, doc.keys)):
        for path, loc in table.items():
            if loc.span.file != doc.file or not _contains(loc.span, line, col):
                continue
            container = not is_key and loc.style in ("map", "seq")
            (containers if container else scalars).append((path, is_key, loc.span))
    pool = scalars or containers
    if not pool:
        return (), False, None
    return max(pool, key=lambda t: (len(t[0]), t[1]))


_LINE_KEY = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w.*-]*)\s*:")


def _line_key(doc: Document, line: int) -> str | None:
    lines = doc.text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    found = _LINE_KEY.match(lines[line - 1])
    return found.group(1) if found else None


def _kind(path: Pointer, is_key: bool) -> Kind:
    """What is written at ``path`` (a key when ``is_key``)."""
    if not path:
        return Kind.OTHER
    last = path[-1]
    parent = path[-2] if len(path) > 1 else None
    grand = path[-3] if len(path) > 2 else None
    if is_key:
        return Kind.EVENT if parent == "on" else Kind.OTHER
    # a list item belongs to its list's key
    key, outer = (last, parent) if isinstance(last, str) else (parent, grand)
    if key in ("target", "initial") or parent == "on" or (isinstance(last, int) and grand == "on"):
        return Kind.STATE  # `on: {pay: paid}` and `always: [done]` are shorthand targets
    if key == "always" and isinstance(last, int):
        return Kind.STATE
    simple = {
        "include": Kind.FILE,
        "body_file": Kind.FILE,
        "roles": Kind.ROLE,
        "calendar": Kind.CALENDAR,
    }
    if key in simple:
        return simple[str(key)]
    if key == "template" and outer == "notify":
        return Kind.TEMPLATE
    if (key == "task" and outer == "invoke") or (key == "name" and outer == "task"):
        return Kind.TASK
    if key == "chart" and outer in ("spawn", "start", "to"):
        return Kind.CHART
    in_actions = any(k in path for k in ("actions", "entry", "exit", "invoke", "then", "else"))
    if key in _EXPRESSION_KEYS or outer == "assign":
        return Kind.EXPRESSION
    if outer in ("data", "input", "context") and in_actions:
        return Kind.EXPRESSION
    return Kind.OTHER


def spot_at(doc: Document, line: int, col: int) -> Spot:
    """What is at (line, col) (both from 1) of ``doc``."""
    path, is_key, span = _innermost(doc, line, col)
    key = _line_key(doc, line)
    if key is not None and (span is None or span.line != line):
        # an empty value on this line: the path of the line's own key
        candidates = [p for p in doc.keys if p and p[-1] == key and doc.keys[p].span.line == line]
        if candidates:
            path, is_key, span = candidates[0], False, None
    return Spot(path, is_key, span, _kind(path, is_key))
