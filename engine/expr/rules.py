"""Typing rules shared by the checker and the built-in functions' signatures."""

from __future__ import annotations

from engine.expr.types import (
    ANY,
    BOOLEAN,
    DATE,
    DECIMAL,
    DURATION,
    INTEGER,
    NULL,
    STRING,
    TIMESTAMP,
    EnumType,
    ListType,
    OptionalType,
    Primitive,
    Type,
    is_numeric,
    strip_optional,
)

__all__ = ["arithmetic", "comparable", "orderable", "unify"]

ORDERED = (STRING, DATE, TIMESTAMP, DURATION)

#: (op, left, right) -> result, for the non-numeric arithmetic the language allows.
_ARITH: dict[tuple[str, Type, Type], Type] = {
    ("+", STRING, STRING): STRING,
    ("+", TIMESTAMP, DURATION): TIMESTAMP,
    ("+", DURATION, TIMESTAMP): TIMESTAMP,
    ("-", TIMESTAMP, DURATION): TIMESTAMP,
    ("-", TIMESTAMP, TIMESTAMP): DURATION,
    ("+", DATE, DURATION): DATE,
    ("+", DURATION, DATE): DATE,
    ("-", DATE, DURATION): DATE,
    ("-", DATE, DATE): DURATION,
    ("+", DURATION, DURATION): DURATION,
    ("-", DURATION, DURATION): DURATION,
    ("*", DURATION, INTEGER): DURATION,
    ("*", INTEGER, DURATION): DURATION,
}


def arithmetic(op: str, left: Type, right: Type) -> Type | None:
    """The result type of ``left op right`` (optionals stripped), or None if not allowed."""
    a, b = strip_optional(left), strip_optional(right)
    if ANY in (a, b):
        return ANY
    if is_numeric(a) and is_numeric(b):
        if op == "/":
            return DECIMAL
        return INTEGER if a == b == INTEGER else DECIMAL
    return _ARITH.get((op, a, b))


def comparable(left: Type, right: Type) -> bool:
    """Whether ``left == right`` makes sense (enum-literal membership is checked apart)."""
    a, b = strip_optional(left), strip_optional(right)
    if ANY in (a, b) or NULL in (a, b) or a == b:
        return True
    if is_numeric(a) and is_numeric(b):
        return True
    if isinstance(a, EnumType) and (b == STRING or isinstance(b, EnumType)):
        return True
    if isinstance(b, EnumType) and a == STRING:
        return True
    if isinstance(a, ListType) and isinstance(b, ListType):
        return comparable(a.item, b.item)
    return False


def orderable(left: Type, right: Type) -> bool:
    """Whether ``<``/``<=``/``>``/``>=`` apply: numbers, or two strings/dates/timestamps/durations."""
    a, b = strip_optional(left), strip_optional(right)
    if ANY in (a, b):
        return True
    if is_numeric(a) and is_numeric(b):
        return True
    return a == b and a in ORDERED


def unify(a: Type, b: Type) -> Type | None:
    """The type both values fit in (list items, ``coalesce``), or None if there is none."""
    if a == b or b == ANY:
        return a
    if a == ANY:
        return b
    if a == NULL:
        return b if isinstance(b, OptionalType) else OptionalType(b)
    if b == NULL:
        return a if isinstance(a, OptionalType) else OptionalType(a)
    if isinstance(a, OptionalType) or isinstance(b, OptionalType):
        inner = unify(strip_optional(a), strip_optional(b))
        return None if inner is None else OptionalType(inner)
    if is_numeric(a) and is_numeric(b):
        return DECIMAL
    if isinstance(a, EnumType) and isinstance(b, EnumType):
        return EnumType(a.values + tuple(v for v in b.values if v not in a.values))
    if {type(a), type(b)} == {EnumType, Primitive} and STRING in (a, b):
        return STRING
    if isinstance(a, ListType) and isinstance(b, ListType):
        item = unify(a.item, b.item)
        return None if item is None else ListType(item)
    return None


def is_boolean(t: Type) -> bool:
    return strip_optional(t) in (BOOLEAN, ANY)
