"""Run-time operations of compiled expressions, guarded against Python's looser rules.

``*`` never repeats a sequence and ``%`` never formats a string: an expression that
was not type-checked still cannot allocate without bound or reach an object's
methods. ``+``, ``-`` and ``*`` keep their results within the language's bounds
(:mod:`engine.limits`: texts of at most ``MAX_TEXT`` characters, lists of at most
``MAX_LIST_ITEMS`` items, integers of at most ``MAX_INTEGER_DIGITS`` digits), so an
eventless loop doing ``s: s + s`` or ``n: n * n`` fails at once instead of exhausting the
process. Failures raise TypeError/ValueError/ArithmeticError (:class:`ValueTooLarge` for a
bound); the compiler turns them into :class:`EvaluationError`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from engine.limits import MAX_INTEGER_DIGITS, MAX_LIST_ITEMS, MAX_TEXT

__all__ = ["BINARY_OPS", "EMPTY", "ERRORS", "ValueTooLarge", "bounded", "kind_of"]

#: What a failing operation may raise; the closures turn these into EvaluationError.
ERRORS = (TypeError, ValueError, ArithmeticError, LookupError)
_SEQUENCES = (str, list, tuple, dict)


class _EmptyMapping(Mapping[str, Any]):
    """An immutable, hashable empty mapping: the default of :attr:`Scope.variables`."""

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __hash__(self) -> int:
        return 0


EMPTY: Mapping[str, Any] = _EmptyMapping()


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    names = {
        bool: "boolean",
        int: "integer",
        Decimal: "decimal",
        str: "string",
        list: "list",
        tuple: "list",
        dict: "record",
    }
    return names.get(type(value), type(value).__name__)


class ValueTooLarge(ArithmeticError):
    """A result would break one of the language's bounds (text, list or integer size)."""


_BOUND = 10**MAX_INTEGER_DIGITS


def bounded(result: Any) -> Any:
    """``result`` if it is within the language's bounds, else :class:`ValueTooLarge`."""
    t = type(result)
    if t is int:
        if not -_BOUND < result < _BOUND:
            raise ValueTooLarge(f"a number of more than {MAX_INTEGER_DIGITS} digits")
    elif t is str:
        if len(result) > MAX_TEXT:
            raise ValueTooLarge(f"a text of more than {MAX_TEXT:,} characters")
    elif (t is list or t is tuple) and len(result) > MAX_LIST_ITEMS:
        raise ValueTooLarge(f"a list of more than {MAX_LIST_ITEMS:,} items")
    return result


# -- operations with run-time type guards (never sequence repetition or str formatting) --


def _add(a: Any, b: Any) -> Any:
    if type(a) is str and type(b) is str and len(a) + len(b) > MAX_TEXT:
        raise ValueTooLarge(f"a text of more than {MAX_TEXT:,} characters")
    return bounded(a + b)  # lists are at most MAX_LIST_ITEMS long: joining two is cheap


def _sub(a: Any, b: Any) -> Any:
    return bounded(a - b)


def _mul(a: Any, b: Any) -> Any:
    if isinstance(a, _SEQUENCES) or isinstance(b, _SEQUENCES):
        raise TypeError("'*' needs numbers")
    return bounded(a * b)


def _div(a: Any, b: Any) -> Any:
    if isinstance(a, (int, Decimal)) and isinstance(b, (int, Decimal)):
        return Decimal(a) / Decimal(b)
    raise TypeError("'/' needs numbers")


def _mod(a: Any, b: Any) -> Any:
    if isinstance(a, (int, Decimal)) and isinstance(b, (int, Decimal)):
        return a % b
    raise TypeError("'%' needs numbers")


def _contains(container: Any, item: Any) -> bool:
    if isinstance(container, str):
        if not isinstance(item, str):
            raise TypeError("substring test needs a string")
        return item in container
    if isinstance(container, (list, tuple)):
        return item in container
    raise TypeError("'in' needs a list or a string")


BINARY_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "+": _add,
    "-": _sub,
    "*": _mul,
    "/": _div,
    "%": _mod,
    "in": lambda a, b: _contains(b, a),
    "not in": lambda a, b: not _contains(b, a),
}
