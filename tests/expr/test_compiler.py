"""Compiled evaluation, explain_guard, assign_path, custom functions, and safety."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import engine.expr as expr_pkg
from engine.errors import EvaluationError
from engine.expr import (
    ClauseResult,
    Function,
    Scope,
    TypeEnv,
    TypeProblem,
    assign_path,
    check,
    compile_expr,
    default_functions,
    explain_guard,
    parse,
    parse_path,
)
from engine.expr.functions import ArgInfo
from engine.expr.types import BOOLEAN, DECIMAL, INTEGER, STRING, Field, RecordType, Type

NOW = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)


def scope(context: dict[str, Any], event: dict[str, Any] | None = None, **variables: Any) -> Scope:
    return Scope(context, event or {}, NOW, lambda s: s == "open", variables)


def run(text: str, context: dict[str, Any], **kw: Any) -> Any:
    return compile_expr(parse(text))(scope(context, **kw))


def test_compiled_exposes_text_expr_and_bare_closure() -> None:
    compiled = compile_expr(parse("total<=credit_limit"))
    assert compiled.text == "total <= credit_limit"
    assert compiled.expr == parse("total <= credit_limit")
    s = scope({"total": 1, "credit_limit": 2})
    assert compiled(s) is True and compiled.fn(s) is True


def test_scope_variables_default_to_empty_and_shadow_context() -> None:
    assert Scope({}, {}, NOW, bool).variables == {}
    assert run("item", {"item": 1}) == 1
    assert run("item.qty", {"item": {"qty": 1}}, item={"qty": 7}) == 7
    assert run("context.item.qty", {"item": {"qty": 1}}, item={"qty": 7}) == 1


def test_event_paths_read_the_event() -> None:
    assert run("event.amount + 1", {}, event={"amount": 2}) == 3


def test_paths_never_touch_python_attributes() -> None:
    class Sneaky:
        real = 1

        def get(self, key: str) -> str:  # pragma: no cover - must not be called
            raise AssertionError("get() called on a user object")

    with pytest.raises(EvaluationError) as info:
        run("obj.real", {"obj": Sneaky()})
    assert "not a record" in info.value.reason
    with pytest.raises(EvaluationError):
        run("s.upper", {"s": "abc"})


@pytest.mark.parametrize(
    ("text", "context", "reason"),
    [
        ("a * 3", {"a": "x"}, "cannot be applied to string and integer"),
        ("a % 2", {"a": "%s"}, "cannot be applied"),
        ("a and true", {"a": 1}, "not true or false"),
        ("not a", {"a": None}, "'a' is not set"),
        ("a.b.c", {"a": {"b": 3}}, "'a.b' is integer, not a record"),
        ("a[0]", {"a": 5}, "not a list"),
        ("a[b]", {"a": [1], "b": "x"}, "whole number"),
        ("-a", {"a": "x"}, "cannot be applied"),
        ("nope(1)", {}, "unknown function 'nope'"),
        ("len(a)", {"a": 3}, "len() failed"),
        ("a / b", {"a": Decimal(1), "b": Decimal(0)}, "division by zero"),
        ("a in b", {"a": 1, "b": None}, "'b' is not set"),
    ],
)
def test_runtime_failures_are_evaluation_errors(
    text: str, context: dict[str, Any], reason: str
) -> None:
    with pytest.raises(EvaluationError) as info:
        run(text, context)
    assert reason in info.value.reason
    assert info.value.expression == compile_expr(parse(text)).text


def test_evaluation_error_names_the_values_seen() -> None:
    with pytest.raises(EvaluationError) as info:
        run("total - discount > 0", {"total": Decimal(5), "discount": None})
    assert info.value.values == {"total": Decimal(5), "discount": None}
    assert "'discount' is not set" in str(info.value)


def test_explain_guard_splits_top_level_and_clauses() -> None:
    compiled = compile_expr(parse("total > 5 and (paid or In('open')) and discount > 1"))
    results = explain_guard(compiled, scope({"total": Decimal(3), "paid": False}))
    assert [r.text for r in results] == ["total > 5", "paid or In('open')", "discount > 1"]
    assert results[0] == ClauseResult("total > 5", results[0].span, False, {"total": Decimal(3)})
    assert not results[0].passed
    assert results[1].passed and results[1].values == {"paid": False, "In('open')": True}
    assert isinstance(results[2].result, EvaluationError)
    assert results[2].values == {"discount": None}
    assert (results[2].span.col, results[2].span.end_col) == (40, 52)
    assert explain_guard(compiled, scope({"total": 9, "paid": True, "discount": 2}))[2].passed


def test_assign_path_copies_along_the_path_only() -> None:
    shared = {"x": 1}
    context: dict[str, Any] = {"order": {"status": "new", "meta": shared}, "other": [1]}
    new = assign_path(context, parse_path("order.status"), "paid")
    assert context["order"]["status"] == "new"
    assert new == {"order": {"status": "paid", "meta": shared}, "other": [1]}
    assert new["order"]["meta"] is shared and new["other"] is context["other"]
    assert assign_path({}, parse_path("context.a.b"), 1) == {"a": {"b": 1}}
    with pytest.raises(EvaluationError):
        assign_path({"a": 3}, parse_path("a.b"), 1)
    with pytest.raises(EvaluationError):
        assign_path({}, parse_path("event.a"), 1)


def _percent_rule(args: Sequence[ArgInfo]) -> Type | TypeProblem:
    if args[0].type not in (INTEGER, DECIMAL):
        return TypeProblem("percent() needs a number")
    return DECIMAL


def test_applications_register_typed_functions() -> None:
    def vat(amount: Decimal) -> Decimal:
        return amount * Decimal("0.2")

    functions = default_functions().extend(
        Function("vat", vat, (DECIMAL,), DECIMAL, doc="value added tax"),
        Function("percent", lambda x, p: x * p / 100, (DECIMAL, INTEGER), DECIMAL, _percent_rule),
        Function("boom", lambda: 1 / 0, (), INTEGER),
    )
    assert "len" in functions and "vat" in functions and "vat" not in default_functions()
    env = TypeEnv(RecordType((Field("total", DECIMAL), Field("name", STRING))), functions=functions)
    assert check(parse("vat(total) > 1"), env, expected=BOOLEAN) == (BOOLEAN, [])
    assert check(parse("vat(name)"), env)[1][0].code == "E209"
    assert check(parse("percent(name, 1)"), env)[1][0].message == "percent() needs a number"
    assert check(parse("len(name)"), TypeEnv(env.context))[1] == []
    compiled = compile_expr(parse("vat(total)"), functions)
    assert compiled(scope({"total": Decimal(10)})) == Decimal("2.0")
    with pytest.raises(EvaluationError) as info:
        compile_expr(parse("boom()"), functions)(scope({}))
    assert "boom() failed" in info.value.reason
    with pytest.raises(EvaluationError):
        compile_expr(parse("vat(total)"))(scope({"total": Decimal(10)}))


def test_type_env_defaults() -> None:
    env = TypeEnv(RecordType(()))
    assert env.event is None and env.states == frozenset() and env.variables == {}
    assert env.functions is default_functions()


def test_public_api_is_explicit() -> None:
    for name in (
        "parse",
        "parse_path",
        "check",
        "check_assignment",
        "compile_expr",
        "TypeEnv",
        "Scope",
        "Expr",
        "Compiled",
        "FunctionRegistry",
        "default_functions",
        "unparse",
        "explain_guard",
        "ClauseResult",
        "assign_path",
    ):
        assert name in expr_pkg.__all__
        assert getattr(expr_pkg, name) is not None


def test_no_eval_or_exec_in_the_expression_package() -> None:
    root = Path(expr_pkg.__file__).parent
    pattern = re.compile(r"(?<![\w.])(eval|exec|compile|__import__|getattr)\(")
    for path in root.glob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#")[0]
            assert not pattern.search(code), f"{path.name}:{number}: {line.strip()}"
