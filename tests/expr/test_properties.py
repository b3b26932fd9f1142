"""Property tests: whatever text or values come in, only our own errors come out.

* random text and random token soup: parse -> check -> compile -> evaluate;
* random grammar-shaped expressions over a typed context, with well-typed values:
  when the checker accepts an expression, its value conforms to the inferred type;
* the same expressions over junk values (unchecked): still only our errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import EvaluationError, ExpressionError
from engine.expr import Scope, TypeEnv, check, compile_expr, explain_guard, parse, unparse
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
    Field,
    ListType,
    OptionalType,
    RecordType,
    Type,
)

FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
STATUS = EnumType(("x", "y"))
ITEM = RecordType((Field("status", STATUS), Field("n", INTEGER)))
CONTEXT = RecordType(
    (
        Field("i", INTEGER),
        Field("d", DECIMAL),
        Field("s", STRING),
        Field("b", BOOLEAN),
        Field("t", TIMESTAMP),
        Field("dt", DATE),
        Field("du", DURATION),
        Field("e", STATUS),
        Field("li", ListType(INTEGER)),
        Field("ls", ListType(STRING)),
        Field("r", RecordType((Field("a", INTEGER), Field("s", STRING)))),
        Field("lr", ListType(ITEM)),
        Field("oi", OptionalType(INTEGER)),
        Field("od", OptionalType(DECIMAL)),
    )
)
ENV = TypeEnv(
    CONTEXT,
    event=RecordType((Field("amount", DECIMAL),)),
    states=frozenset({"a", "b"}),
    variables={"item": ITEM},
)
NAMES = [f.name for f in CONTEXT.fields] + ["event.amount", "item.n", "item.status", "r.a"]
LITERALS = [
    "1",
    "0",
    "2.5",
    "'x'",
    "'y'",
    "''",
    "true",
    "false",
    "null",
    "1h",
    "30s",
    "2026-01-31",
    "2026-01-31T10:00:00Z",
    "[1, 2]",
    "['x']",
    "[]",
    "In('a')",
    "now()",
    "today()",
]
FUNCTIONS = [
    "len",
    "sum",
    "abs",
    "round",
    "min",
    "max",
    "lower",
    "upper",
    "trim",
    "starts_with",
    "ends_with",
    "contains",
    "is_set",
    "coalesce",
    "count",
    "all_equal",
    "any_equal",
    "date_of",
    "days_between",
    "nope",
]
BINARY = ["and", "or", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "+", "-", "*", "/", "%"]

ints = st.integers(-(10**6), 10**6)
decimals = st.decimals(-(10**6), 10**6, allow_nan=False, allow_infinity=False, places=2)
texts = st.text(alphabet="xyab %'", max_size=5)
stamps = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(days=-1000), max_value=timedelta(days=1000))
items = st.fixed_dictionaries({"status": st.sampled_from(STATUS.values), "n": ints})

VALUES = st.fixed_dictionaries(
    {
        "i": ints,
        "d": decimals,
        "s": texts,
        "b": st.booleans(),
        "t": stamps,
        "dt": st.dates(date(2000, 1, 1), date(2100, 1, 1)),
        "du": durations,
        "e": st.sampled_from(STATUS.values),
        "li": st.lists(ints, max_size=3),
        "ls": st.lists(texts, max_size=3),
        "r": st.fixed_dictionaries({"a": ints, "s": texts}),
        "lr": st.lists(items, max_size=3),
        "oi": st.none() | ints,
        "od": st.none() | decimals,
    }
)
JUNK = st.recursive(
    st.none()
    | st.booleans()
    | ints
    | decimals
    | texts
    | st.floats()
    | stamps
    | durations
    | st.just(Decimal("sNaN")),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "s", "n", "status"]), inner, max_size=3)
    ),
    max_leaves=6,
)


def _binary(parts: tuple[str, str, str]) -> str:
    return f"(({parts[0]}) {parts[1]} ({parts[2]}))"


def _call(parts: tuple[str, list[str]]) -> str:
    return f"{parts[0]}({', '.join(parts[1])})"


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(BINARY), children).map(_binary),
        children.map(lambda c: f"not ({c})"),
        children.map(lambda c: f"-({c})"),
        st.tuples(st.sampled_from(FUNCTIONS), st.lists(children, max_size=3)).map(_call),
        st.tuples(st.sampled_from(["'status'", "'n'"]), children).map(
            lambda p: f"count(lr, {p[0]}, {p[1]})"
        ),
        st.tuples(children, children).map(lambda p: f"({p[0]})[{p[1]}]"),
        st.tuples(children, children).map(lambda p: f"[{p[0]}, {p[1]}]"),
        children.map(lambda c: f"({c}).a"),
    )


EXPRESSIONS = st.recursive(st.sampled_from(NAMES + LITERALS), _extend, max_leaves=8)
TOKENS = st.lists(
    st.sampled_from(
        NAMES
        + LITERALS
        + BINARY
        + ["(", ")", "[", "]", ",", ".", "=", "'", '"', "\\", "$", "1e5", "In(", "len("]
    ),
    max_size=10,
).map(" ".join)


def scope(values: Mapping[str, Any], amount: Any = Decimal(1), item: Any = None) -> Scope:
    item = item if item is not None else {"status": "x", "n": 1}
    return Scope(values, {"amount": amount}, NOW, lambda s: s == "a", {"item": item})


def conforms(value: Any, t: Type) -> bool:
    """Whether ``value`` is the runtime representation of ``t`` (an int may stand for a decimal)."""
    if t == ANY:
        return True
    if isinstance(t, OptionalType):
        return value is None or conforms(value, t.inner)
    if isinstance(t, ListType):
        return isinstance(value, (list, tuple)) and all(conforms(v, t.item) for v in value)
    if isinstance(t, RecordType):
        return isinstance(value, Mapping)
    if isinstance(t, EnumType):
        return value in t.values
    checks: dict[Type, Callable[[Any], bool]] = {
        NULL: lambda v: v is None,
        INTEGER: lambda v: type(v) is int,
        DECIMAL: lambda v: isinstance(v, Decimal) or type(v) is int,
        STRING: lambda v: isinstance(v, str),
        BOOLEAN: lambda v: isinstance(v, bool),
        DATE: lambda v: type(v) is date,
        TIMESTAMP: lambda v: isinstance(v, datetime) and v.tzinfo is not None,
        DURATION: lambda v: isinstance(v, timedelta),
    }
    return bool(checks[t](value))


def run_all(text: str, values: Mapping[str, Any], typed: bool = True, **kw: Any) -> None:
    try:
        expr = parse(text)
    except ExpressionError:
        return
    assert parse(unparse(expr)) == expr
    typ, diags = check(expr, ENV)
    check(expr, ENV, expected=BOOLEAN)
    compiled = compile_expr(expr)
    try:
        value = compiled(scope(values, **kw))
    except EvaluationError:
        return
    finally:
        explain_guard(compiled, scope(values, **kw))
    if typed and not diags:
        assert conforms(value, typ), (text, value, typ)


@FAST
@given(st.text(max_size=30))
def test_random_text_only_raises_our_errors(text: str) -> None:
    run_all(text, {}, typed=False)


@FAST
@given(TOKENS, VALUES)
def test_token_soup_only_raises_our_errors(text: str, values: dict[str, Any]) -> None:
    run_all(text, values)


@FAST
@given(EXPRESSIONS, VALUES)
def test_checked_expressions_evaluate_to_their_type(text: str, values: dict[str, Any]) -> None:
    parse(text)  # grammar-shaped text always parses
    run_all(text, values)


@FAST
@given(EXPRESSIONS, st.dictionaries(st.sampled_from(NAMES[:14]), JUNK), JUNK, JUNK)
def test_junk_values_only_raise_our_errors(
    text: str, values: dict[str, Any], amount: Any, item: Any
) -> None:
    run_all(text, values, typed=False, amount=amount, item=item)
