"""Values the way a scenario author writes them: display, comparison, path lookup."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["lookup", "same", "show"]


def show(value: Any) -> str:
    """A value as a scenario author would write it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        from engine.expr.values import format_duration

        return format_duration(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


def same(expected: Any, actual: Any) -> bool:
    """Equality the way a YAML author means it (10 == 10.00, '10m' == 10 minutes)."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(actual, bool) or isinstance(expected, bool):
        return expected is actual
    if isinstance(actual, int | float | Decimal) and isinstance(
        expected, int | float | Decimal | str
    ):
        try:
            return Decimal(str(expected)) == Decimal(str(actual))
        except InvalidOperation:
            return False
    if isinstance(actual, dt.datetime | dt.date | dt.timedelta) and isinstance(expected, str):
        return bool(_parse_like(actual, expected) == actual)
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        return set(expected) == set(actual) and all(same(expected[k], actual[k]) for k in expected)
    if isinstance(actual, list | tuple) and isinstance(expected, list | tuple):
        return len(actual) == len(expected) and all(map(same, expected, actual))
    return bool(expected == actual)


def _parse_like(actual: Any, text: str) -> Any:
    from engine.expr.values import parse_duration

    try:
        if isinstance(actual, dt.datetime):
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if isinstance(actual, dt.date):
            return dt.date.fromisoformat(text)
        return parse_duration(text)
    except (ValueError, TypeError):
        return None


def lookup(data: Any, path: str) -> tuple[bool, Any]:
    """``a.b.0.c`` (or ``a.b[0].c``) in nested mappings and lists: (found, value)."""
    current = data
    for part in path.replace("[", ".").replace("]", "").split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list | tuple) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return False, None
    return True, current
