"""The built-in functions of the expression language: type rules and implementations.

Each implementation checks the Python types it gets, since a compiled expression
may run without having been checked; TypeError/ValueError/ArithmeticError become
:class:`EvaluationError` in the compiler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from engine.expr import codes
from engine.expr.functions import ArgInfo, Function, FunctionRegistry, TypeProblem, TypeRule
from engine.expr.ops import bounded
from engine.expr.rules import comparable, orderable, unify
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
    RecordType,
    Type,
    is_numeric,
    strip_optional,
)

__all__ = ["builtin_functions"]


# -- type rules ---------------------------------------------------------------------------


def _len_rule(args: Sequence[ArgInfo]) -> Type | TypeProblem:
    t = strip_optional(args[0].type)
    if isinstance(t, ListType) or t in (STRING, ANY):
        return INTEGER
    return TypeProblem(f"len() needs a list or a string, not {t.describe()}")


def _sum_rule(args: Sequence[ArgInfo]) -> Type | TypeProblem:
    t = strip_optional(args[0].type)
    if isinstance(t, ListType) and (t.item in (INTEGER, ANY)):
        return INTEGER
    if isinstance(t, ListType) and is_numeric(t.item):
        return DECIMAL
    if t == ANY:
        return ANY
    return TypeProblem(f"sum() needs a list of numbers, not {t.describe()}")


def _abs_rule(args: Sequence[ArgInfo]) -> Type | TypeProblem:
    t = strip_optional(args[0].type)
    if is_numeric(t) or t in (DURATION, ANY):
        return t
    return TypeProblem(f"abs() needs a number or a duration, not {t.describe()}")


def _extreme_rule(args: Sequence[ArgInfo]) -> Type | TypeProblem:
    types = [strip_optional(a.type) for a in args]
    result = types[0]
    for t in types[1:]:
        if not orderable(result, t):
            kinds = ", ".join(x.describe() for x in types)
            return TypeProblem(
                f"min()/max() need numbers, or values of one type among string, date, "
                f"timestamp, duration; got {kinds}"
            )
        result = DECIMAL if is_numeric(t) and is_numeric(result) and t != result else result
    if not (is_numeric(result) or result in (STRING, DATE, TIMESTAMP, DURATION, ANY)):
        return TypeProblem(f"min()/max() cannot order values of type {result.describe()}")
    return result


def _coalesce_rule(args: Sequence[ArgInfo]) -> Type | TypeProblem:
    value, default = args[0].type, args[1].type
    joined = unify(strip_optional(value), default)
    if joined is None:
        return TypeProblem(
            f"coalesce() default must have the type of the value ({strip_optional(value).describe()}), "
            f"not {default.describe()}"
        )
    return joined


def _record_field(args: Sequence[ArgInfo], fname: str) -> Type | TypeProblem:
    """Checks ``(list of records, 'field', value)`` and returns the field's type."""
    t = strip_optional(args[0].type)
    if t == ANY or (isinstance(t, ListType) and t.item == ANY):
        return ANY
    if not (isinstance(t, ListType) and isinstance(strip_optional(t.item), RecordType)):
        return TypeProblem(f"{fname}() needs a list of records first, not {t.describe()}")
    record = strip_optional(t.item)
    assert isinstance(record, RecordType)
    name = args[1]
    if not (name.is_literal and isinstance(name.literal, str)):
        return TypeProblem(f"{fname}() needs a field name in quotes second, e.g. 'status'")
    f = record.field(name.literal)
    if f is None:
        fields = ", ".join(x.name for x in record.fields)
        return TypeProblem(
            f"the items have no field '{name.literal}'; expected one of: {fields}",
            codes.UNKNOWN_FIELD,
        )
    value = args[2]
    ftype = strip_optional(f.type)
    if isinstance(ftype, EnumType) and value.is_literal and isinstance(value.literal, str):
        if value.literal not in ftype.values:
            allowed = ", ".join(ftype.values)
            return TypeProblem(
                f"'{value.literal}' is not a value of field '{f.name}'; expected one of: {allowed}",
                codes.NOT_ENUM_MEMBER,
            )
    elif not comparable(ftype, value.type):
        return TypeProblem(
            f"{fname}() compares field '{f.name}' ({ftype.describe()}) with a "
            f"{value.type.describe()}; expected a {ftype.describe()}"
        )
    return f.type


def _count_rule(args: Sequence[ArgInfo]) -> Type | TypeProblem:
    problem = _record_field(args, "count")
    return problem if isinstance(problem, TypeProblem) else INTEGER


def _equal_rule(fname: str) -> TypeRule:
    def rule(args: Sequence[ArgInfo]) -> Type | TypeProblem:
        problem = _record_field(args, fname)
        return problem if isinstance(problem, TypeProblem) else BOOLEAN

    return rule


# -- implementations ----------------------------------------------------------------------


def _items_field(items: Sequence[Any], fname: str) -> Iterator[Any]:
    if not isinstance(items, (list, tuple)):
        raise TypeError("expected a list of records")
    for item in items:
        if not isinstance(item, Mapping):
            raise TypeError("expected a list of records")
        yield item.get(fname)


def _len(x: Any) -> int:
    if not isinstance(x, (str, list, tuple)):
        raise TypeError("len() needs a list or a string")
    return len(x)


def _sum(xs: Sequence[Any]) -> int | Decimal:
    if not isinstance(xs, (list, tuple)):
        raise TypeError("sum() needs a list of numbers")
    total: int | Decimal = 0
    for x in xs:
        if isinstance(x, bool) or not isinstance(x, (int, Decimal)):
            raise TypeError(f"sum() found {x!r} in a list of numbers")
        total = total + x
    result: int | Decimal = bounded(total)
    return result


def _number_result(result: Any, args: Sequence[Any]) -> Any:
    if isinstance(result, int) and any(isinstance(a, Decimal) for a in args):
        return Decimal(result)
    return result


def _min(*xs: Any) -> Any:
    return _number_result(min(xs), xs)


def _max(*xs: Any) -> Any:
    return _number_result(max(xs), xs)


def _round(x: int | Decimal, places: int = 0) -> Decimal:
    if isinstance(x, bool) or not isinstance(x, (int, Decimal)) or not isinstance(places, int):
        raise TypeError("round() needs a number and a whole number of places")
    return Decimal(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _str(fn: Callable[..., Any]) -> Callable[..., Any]:
    def checked(*args: Any) -> Any:
        if not all(isinstance(a, str) for a in args):
            raise TypeError("expected strings")
        return fn(*args)

    return checked


def _abs(x: Any) -> Any:
    if isinstance(x, bool):
        raise TypeError("abs() needs a number or a duration")
    return abs(x)


def _date_of(ts: datetime) -> date:
    if not isinstance(ts, datetime):
        raise TypeError("date_of() needs a timestamp")
    return ts.date()


def _days_between(start: date, end: date) -> int:
    if not (type(start) is date and type(end) is date):
        raise TypeError("days_between() needs two dates")
    return (end - start).days


def _today(scope: Any) -> date:
    now: datetime = scope.now
    return now.date()


def _builtins() -> list[Function]:
    any_equal = _equal_rule("any_equal")
    all_equal = _equal_rule("all_equal")
    return [
        Function(
            "len",
            _len,
            (ANY,),
            INTEGER,
            _len_rule,
            signature="len(list | string) -> integer",
            doc="number of items of a list, or of characters of a string",
        ),
        Function(
            "sum",
            _sum,
            (ANY,),
            ANY,
            _sum_rule,
            signature="sum(list of numbers) -> integer | decimal",
            doc="total of a list of numbers (0 for an empty list)",
        ),
        Function(
            "abs",
            _abs,
            (ANY,),
            ANY,
            _abs_rule,
            signature="abs(number | duration) -> same type",
            doc="absolute value",
        ),
        Function(
            "round",
            _round,
            (DECIMAL, INTEGER),
            DECIMAL,
            min_args=1,
            signature="round(decimal, integer = 0) -> decimal",
            doc="rounds half up (2.5 -> 3) to the given number of decimal places",
        ),
        Function(
            "min",
            _min,
            (ANY, ANY),
            ANY,
            _extreme_rule,
            min_args=2,
            variadic=True,
            signature="min(a, b, ...) -> type of the arguments",
            doc="smallest of 2+ numbers (or strings, dates, timestamps, durations)",
        ),
        Function(
            "max",
            _max,
            (ANY, ANY),
            ANY,
            _extreme_rule,
            min_args=2,
            variadic=True,
            signature="max(a, b, ...) -> type of the arguments",
            doc="largest of 2+ numbers (or strings, dates, timestamps, durations)",
        ),
        Function("lower", _str(str.lower), (STRING,), STRING, doc="lower-case copy"),
        Function("upper", _str(str.upper), (STRING,), STRING, doc="upper-case copy"),
        Function(
            "trim",
            _str(str.strip),
            (STRING,),
            STRING,
            doc="copy without leading and trailing white space",
        ),
        Function(
            "starts_with",
            _str(str.startswith),
            (STRING, STRING),
            BOOLEAN,
            doc="whether the first string begins with the second",
        ),
        Function(
            "ends_with",
            _str(str.endswith),
            (STRING, STRING),
            BOOLEAN,
            doc="whether the first string ends with the second",
        ),
        Function(
            "contains",
            _str(str.__contains__),
            (STRING, STRING),
            BOOLEAN,
            doc="whether the second string occurs in the first",
        ),
        Function(
            "now",
            lambda scope: scope.now,
            (),
            TIMESTAMP,
            needs_scope=True,
            doc="the step's current time (from the engine's clock, not the system clock)",
        ),
        Function(
            "today",
            _today,
            (),
            DATE,
            needs_scope=True,
            doc="the date of now(), in now()'s time zone",
        ),
        Function(
            "is_set",
            lambda x: x is not None,
            (ANY,),
            BOOLEAN,
            lambda args: BOOLEAN,
            accepts_null=True,
            signature="is_set(optional value) -> boolean",
            doc="whether an optional value is not null",
        ),
        Function(
            "coalesce",
            lambda x, d: d if x is None else x,
            (ANY, ANY),
            ANY,
            _coalesce_rule,
            accepts_null=True,
            signature="coalesce(optional T, T) -> T",
            doc="the value, or the default when the value is null",
        ),
        Function(
            "count",
            lambda xs, f, v: sum(1 for x in _items_field(xs, f) if x == v),
            (ANY, STRING, ANY),
            INTEGER,
            _count_rule,
            signature="count(list of records, 'field', value) -> integer",
            doc="how many items have field == value",
        ),
        Function(
            "all_equal",
            lambda xs, f, v: all(x == v for x in _items_field(xs, f)),
            (ANY, STRING, ANY),
            BOOLEAN,
            all_equal,
            signature="all_equal(list of records, 'field', value) -> boolean",
            doc="whether every item has field == value (true for an empty list)",
        ),
        Function(
            "any_equal",
            lambda xs, f, v: any(x == v for x in _items_field(xs, f)),
            (ANY, STRING, ANY),
            BOOLEAN,
            any_equal,
            signature="any_equal(list of records, 'field', value) -> boolean",
            doc="whether some item has field == value (false for an empty list)",
        ),
        Function(
            "date_of",
            _date_of,
            (TIMESTAMP,),
            DATE,
            doc="the calendar date of a timestamp, in the timestamp's own time zone",
        ),
        Function(
            "days_between",
            _days_between,
            (DATE, DATE),
            INTEGER,
            doc="whole days from the first date to the second (negative if earlier)",
        ),
    ]


@cache
def builtin_functions() -> FunctionRegistry:
    """The built-in functions (one shared, immutable registry)."""
    return FunctionRegistry(_builtins())
