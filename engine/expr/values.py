"""Turning plain data (YAML defaults, JSON event data, CLI input) into typed values.

``coerce(value, type)`` returns the runtime representation documented in
:mod:`engine.expr.types`, or raises :class:`ValueError` with a message that says
what was expected. Used by the loader (context defaults) and the engine (start
context, event data).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.expr.types import (
    ANY,
    BOOLEAN,
    DATE,
    DECIMAL,
    DURATION,
    INTEGER,
    STRING,
    TIMESTAMP,
    EnumType,
    ListType,
    OptionalType,
    RecordType,
    Type,
)

__all__ = ["coerce", "coerce_record", "format_duration", "parse_duration"]

_DURATION = re.compile(
    r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$"
)


def parse_duration(text: str) -> dt.timedelta:
    """``10m``, ``2d``, ``1h30m``, ``1w``, ``250ms`` -> timedelta. Raises ValueError."""
    m = _DURATION.match(text.strip())
    if not text.strip() or m is None or not any(m.groups()):
        raise ValueError(
            f"'{text}' is not a duration; expected e.g. 250ms, 30s, 10m, 2h, 3d, 1w or 1h30m"
        )
    if any(g and len(g) > 12 for g in m.groups()):
        raise ValueError(f"'{text[:40]}' is too long a duration; expected at most 999999999 days")
    w, d, h, mi, s, ms = (int(g) if g else 0 for g in m.groups())
    try:
        return dt.timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=s, milliseconds=ms)
    except OverflowError:
        raise ValueError(
            f"'{text}' is too long a duration; expected at most 999999999 days"
        ) from None


def format_duration(value: dt.timedelta) -> str:
    """The inverse of :func:`parse_duration` (``90 minutes`` -> ``1h30m``)."""
    total = value // dt.timedelta(milliseconds=1)
    if total == 0:
        return "0s"
    sign = "-" if total < 0 else ""
    total = abs(total)
    out = ""
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        n, total = divmod(total, size)
        if n:
            out += f"{n}{unit}"
    return sign + out


def _fail(value: Any, expected: str) -> ValueError:
    return ValueError(f"found {value!r}; expected {expected}")


def coerce(value: Any, t: Type) -> Any:
    """``value`` as a value of type ``t`` (see the table in :mod:`engine.expr.types`)."""
    if isinstance(t, OptionalType):
        return None if value is None else coerce(value, t.inner)
    if t == ANY:
        return value
    if value is None:
        raise ValueError(f"a value is required; expected {t.describe()}")
    if t == STRING:
        if isinstance(value, str):
            return value
        raise _fail(value, "text")
    if t == BOOLEAN:
        if isinstance(value, bool):
            return value
        raise _fail(value, "true or false")
    if t == INTEGER:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"[-+]?\d+", value.strip()):
            return int(value)
        raise _fail(value, "a whole number")
    if t == DECIMAL:
        return _decimal(value)
    if t == DATE:
        return _date(value)
    if t == TIMESTAMP:
        return _timestamp(value)
    if t == DURATION:
        if isinstance(value, dt.timedelta):
            return value
        if isinstance(value, str):
            return parse_duration(value)
        raise _fail(value, "a duration such as 10m or 2d")
    if isinstance(t, EnumType):
        if isinstance(value, str) and value in t.values:
            return value
        raise _fail(value, "one of " + ", ".join(t.values))
    if isinstance(t, ListType):
        if not isinstance(value, list | tuple):
            raise _fail(value, t.describe())
        return [coerce(v, t.item) for v in value]
    if isinstance(t, RecordType):
        return coerce_record(value, t)
    raise ValueError(f"cannot make a {t.describe()} value")  # pragma: no cover


def coerce_record(value: Any, t: RecordType, *, partial: bool = False) -> dict[str, Any]:
    """A mapping checked field by field. ``partial`` allows missing required fields."""
    if not isinstance(value, dict):
        raise _fail(value, "a mapping with " + ", ".join(f.name for f in t.fields))
    out: dict[str, Any] = {}
    for key in value:
        if t.field(str(key)) is None:
            names = ", ".join(f.name for f in t.fields) or "no fields"
            raise ValueError(f"unknown field '{key}'; expected one of: {names}")
    for f in t.fields:
        if f.name in value:
            try:
                out[f.name] = coerce(value[f.name], f.type)
            except ValueError as exc:
                raise ValueError(f"{f.name}: {exc}") from None
        elif isinstance(f.type, OptionalType):
            out[f.name] = None
        elif not partial and not f.has_default:
            raise ValueError(f"missing field '{f.name}' ({f.type.describe()})")
    return out


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _fail(value, "a decimal number")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise _fail(value, "a finite decimal number")
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            raise _fail(value, "a decimal number such as 12.50") from None
        if not d.is_finite():
            raise _fail(value, "a finite decimal number")
        return d
    raise _fail(value, "a decimal number")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise _fail(value, "a date (YYYY-MM-DD), not a timestamp")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _fail(value, "a date such as 2026-11-22")


def _timestamp(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise _fail(value, "a timestamp such as 2026-11-22T10:00:00Z") from None
    else:
        raise _fail(value, "a timestamp such as 2026-11-22T10:00:00Z")
    if parsed.tzinfo is None:
        raise _fail(value, "a timestamp with a time zone (Z or +01:00)")
    return parsed
