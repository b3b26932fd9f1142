"""The expression tree: frozen, slotted dataclasses, each carrying a :class:`Span`.

The parser builds these nodes and nothing else; the checker types them and the
compiler turns them into closures. Spans do not take part in equality, so
``parse(unparse(e)) == e`` holds for every tree ``e``.

:func:`unparse` gives the canonical text of a tree, with only the parentheses
precedence needs; messages and diagrams use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal as TypingLiteral

from engine.source import Span

__all__ = [
    "NO_SPAN",
    "Binary",
    "Call",
    "Expr",
    "Field",
    "InState",
    "Index",
    "ListLit",
    "Literal",
    "LiteralKind",
    "LiteralValue",
    "Name",
    "Unary",
    "path_of",
    "unparse",
    "walk",
]

#: The span of nodes built in code rather than parsed from text.
NO_SPAN = Span("<expr>", 1, 1, 1, 1)

LiteralKind = TypingLiteral[
    "integer", "decimal", "string", "boolean", "null", "duration", "date", "timestamp"
]
LiteralValue = int | Decimal | str | bool | None | timedelta | date | datetime


class Expr:
    """Base of every expression node. Subclasses are frozen dataclasses with a ``span``."""

    __slots__ = ()
    span: Span


@dataclass(frozen=True, slots=True)
class Literal(Expr):
    """A constant: ``42``, ``12.50``, ``'x'``, ``true``, ``null``, ``1h30m``, ``2026-01-31``."""

    value: LiteralValue
    kind: LiteralKind
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class ListLit(Expr):
    """A list literal: ``[1, 2]``."""

    items: tuple[Expr, ...]
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Name(Expr):
    """A root name: a context field, ``event``, ``context`` or a caller-supplied variable."""

    name: str
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Field(Expr):
    """``obj.name``: a field of a record value (never a Python attribute)."""

    obj: Expr
    name: str
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Index(Expr):
    """``obj[index]``: an item of a list."""

    obj: Expr
    index: Expr
    span: Span = field(default=NO_SPAN, compare=False)


UnaryOp = TypingLiteral["not", "-"]
BinaryOp = TypingLiteral[
    "or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "+", "-", "*", "/", "%"
]


@dataclass(frozen=True, slots=True)
class Unary(Expr):
    op: UnaryOp
    operand: Expr
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    op: BinaryOp
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Call(Expr):
    """A call of a function from the :class:`FunctionRegistry`."""

    name: str
    args: tuple[Expr, ...]
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class InState(Expr):
    """SCXML's ``In('state_id')``: true while that state is active."""

    state: str
    span: Span = field(default=NO_SPAN, compare=False)
    #: the span of the quoted state id inside the call
    arg_span: Span = field(default=NO_SPAN, compare=False)


COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in", "not in"})

_PREC: dict[str, int] = {"or": 1, "and": 2, "not": 3, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
_PREC.update(dict.fromkeys(COMPARISONS, 4))
_UNARY_MINUS = 7
_ATOM = 9


def path_of(node: Expr) -> tuple[str, ...] | None:
    """The names of a dotted path (``order.total`` -> ``('order', 'total')``), else None."""
    names: list[str] = []
    while isinstance(node, Field):
        names.append(node.name)
        node = node.obj
    if not isinstance(node, Name):
        return None
    names.append(node.name)
    return tuple(reversed(names))


def walk(node: Expr) -> Iterator[Expr]:
    """Every node of the tree, parents before children, left to right."""
    yield node
    match node:
        case ListLit(items=items) | Call(args=items):
            for item in items:
                yield from walk(item)
        case Field(obj=obj):
            yield from walk(obj)
        case Index(obj=obj, index=index):
            yield from walk(obj)
            yield from walk(index)
        case Unary(operand=operand):
            yield from walk(operand)
        case Binary(left=left, right=right):
            yield from walk(left)
            yield from walk(right)
        case _:
            pass


def _prec(node: Expr) -> int:
    match node:
        case Binary(op=op):
            return _PREC[op]
        case Unary(op="not"):
            return _PREC["not"]
        case Unary():
            return _UNARY_MINUS
        case Literal(value=Decimal() | int() as v) if not isinstance(v, bool) and v < 0:
            return _UNARY_MINUS
        case _:
            return _ATOM


def _wrap(node: Expr, need: bool) -> str:
    text = unparse(node)
    return f"({text})" if need else text


def unparse(expr: Expr) -> str:
    """The canonical text of ``expr``: ``parse(unparse(e)) == e``."""
    match expr:
        case Literal(value=value, kind=kind):
            return _literal_text(value, kind)
        case ListLit(items=items):
            return "[" + ", ".join(unparse(i) for i in items) + "]"
        case Name(name=name):
            return name
        case Field(obj=obj, name=name):
            return f"{_wrap(obj, _prec(obj) < _ATOM)}.{name}"
        case Index(obj=obj, index=index):
            return f"{_wrap(obj, _prec(obj) < _ATOM)}[{unparse(index)}]"
        case Call(name=name, args=args):
            return f"{name}(" + ", ".join(unparse(a) for a in args) + ")"
        case InState(state=state):
            return f"In({_quote(state)})"
        case Unary(op="not", operand=operand):
            return "not " + _wrap(operand, _prec(operand) < _PREC["not"])
        case Unary(operand=operand):
            return "-" + _wrap(operand, _prec(operand) < _UNARY_MINUS)
        case Binary(op=op, left=left, right=right):
            p = _PREC[op]
            strict_left = op in COMPARISONS  # comparisons do not chain
            left_text = _wrap(left, _prec(left) < p or (strict_left and _prec(left) == p))
            right_text = _wrap(right, _prec(right) <= p)
            return f"{left_text} {op} {right_text}"
    raise TypeError(f"not an expression node: {expr!r}")


_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _quote(text: str) -> str:
    return "'" + "".join(_ESCAPES.get(ch, ch) for ch in text) + "'"


def _duration_text(value: timedelta) -> str:
    millis = value // timedelta(milliseconds=1)
    if millis <= 0:
        return "0s"
    parts = []
    sizes = (("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000))
    for unit, size in (*sizes, ("ms", 1)):
        count, millis = divmod(millis, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _literal_text(value: LiteralValue, kind: LiteralKind) -> str:
    match kind:
        case "string":
            return _quote(str(value))
        case "boolean":
            return "true" if value else "false"
        case "null":
            return "null"
        case "decimal" if isinstance(value, Decimal):
            return format(value, "f")
        case "duration" if isinstance(value, timedelta):
            return _duration_text(value)
        case "timestamp" if isinstance(value, datetime):
            text = value.isoformat()
            return text[:-6] + "Z" if value.utcoffset() == timedelta(0) else text
        case _:
            return str(value)
