"""Data-driven tests: every row of tests/cases/expr/*.yaml.

A file declares ``context`` (and optionally ``event``, ``variables``, ``states``) as
types; each row of ``cases`` is one of

* ``{expr, values?, event?, vars?, active?, expect, type?}``: checks clean, evaluates
  to ``expect`` (a string ``expect`` is read as an expression literal when the result
  is not a string), and has static type ``type`` if given;
* ``{expr, values?, eval_error: "text"}``: checks clean, evaluation raises
  EvaluationError whose reason contains the text;
* ``{expr, error: {code, col, message?}}``: parse or check reports ``code`` at ``col``
  (``expected: boolean`` checks it as a guard);
* ``{target, expr, values?, expect_context | error}``: an assignment.

Type syntax: ``decimal``, ``decimal?`` (optional), ``enum(a, b)``, ``list of T``,
a mapping ``{field: type}`` for a record, and ``{list: T}`` / ``{optional: T}``
where the shorthand would not be valid YAML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.errors import Diagnostic, EvaluationError, ExpressionError
from engine.expr import (
    Scope,
    TypeEnv,
    assign_path,
    check,
    check_assignment,
    compile_expr,
    parse,
    parse_path,
)
from engine.expr.syntax import duration_value
from engine.expr.types import (
    ANY,
    BOOLEAN,
    DATE,
    DECIMAL,
    DURATION,
    NULL,
    PRIMITIVES,
    TIMESTAMP,
    EnumType,
    Field,
    ListType,
    OptionalType,
    RecordType,
    Type,
)

CASES = Path(__file__).resolve().parents[1] / "cases" / "expr"
NOW = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)


def parse_type(spec: Any) -> Type:
    if isinstance(spec, dict) and list(spec) == ["list"]:
        return ListType(parse_type(spec["list"]))
    if isinstance(spec, dict) and list(spec) == ["optional"]:
        return OptionalType(parse_type(spec["optional"]))
    if isinstance(spec, dict):
        return RecordType(tuple(Field(k, parse_type(v)) for k, v in spec.items()))
    text = str(spec).strip()
    if text.endswith("?"):
        return OptionalType(parse_type(text[:-1]))
    if text.startswith("list of "):
        return ListType(parse_type(text[len("list of ") :]))
    if m := re.fullmatch(r"enum\((.*)\)", text):
        return EnumType(tuple(v.strip() for v in m.group(1).split(",")))
    return {**PRIMITIVES, "any": ANY, "null": NULL}[text]


def record(spec: dict[str, Any] | None) -> RecordType:
    result = parse_type(spec or {})
    assert isinstance(result, RecordType)
    return result


def to_value(value: Any, t: Type) -> Any:
    """A YAML value -> the runtime representation of type ``t``."""
    if value is None:
        return None
    if isinstance(t, OptionalType):
        return to_value(value, t.inner)
    if isinstance(t, ListType):
        return [to_value(v, t.item) for v in value]
    if isinstance(t, RecordType):
        return {k: to_value(v, f.type) if (f := t.field(k)) else v for k, v in value.items()}
    if t == DECIMAL:
        return Decimal(str(value))
    if t == DATE and isinstance(value, str):
        return date.fromisoformat(value)
    if t == TIMESTAMP:
        ts = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return ts if ts.tzinfo else ts.replace(tzinfo=UTC)
    if t == DURATION:
        return duration_value(str(value))
    return value


def load_cases() -> Iterator[Any]:
    for path in sorted(CASES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        env = TypeEnv(
            context=record(doc.get("context")),
            event=record(doc["event"]) if "event" in doc else None,
            states=frozenset(doc.get("states", ())),
            variables={k: parse_type(v) for k, v in (doc.get("variables") or {}).items()},
        )
        for i, row in enumerate(doc["cases"]):
            label = row.get("id") or row.get("target", "") + row["expr"]
            yield pytest.param(env, row, id=f"{path.stem}[{i}] {label}")


def scope_for(env: TypeEnv, row: dict[str, Any]) -> Scope:
    active = set(row.get("active", ()))
    return Scope(
        context=to_value(row.get("values", {}), env.context),
        event=to_value(row.get("event", {}), env.event or RecordType(())),
        now=NOW,
        in_state=active.__contains__,
        variables={k: to_value(v, env.variables[k]) for k, v in (row.get("vars") or {}).items()},
    )


def expected_value(expect: Any, result: Any) -> Any:
    if isinstance(expect, str) and not isinstance(result, str):
        scope = Scope({}, {}, NOW, lambda _: False)
        return compile_expr(parse(expect))(scope)
    if isinstance(result, Decimal) and isinstance(expect, (int, float)):
        return Decimal(str(expect))
    return expect


def first_problem(row: dict[str, Any], env: TypeEnv) -> list[Diagnostic]:
    try:
        if "target" in row:
            return check_assignment(parse_path(row["target"]), parse(row["expr"]), env)
        expected = parse_type(row["expected"]) if "expected" in row else None
        return check(parse(row["expr"]), env, expected=expected)[1]
    except ExpressionError as exc:
        return [exc.diagnostic]


@pytest.mark.parametrize(("env", "row"), list(load_cases()))
def test_case(env: TypeEnv, row: dict[str, Any]) -> None:
    diags = first_problem(row, env)
    if "error" in row:
        want = row["error"]
        assert diags, f"expected {want['code']}, got no diagnostic"
        got = [(d.code, d.span.col if d.span else None) for d in diags]
        assert (want["code"], want.get("col", diags[0].span.col if diags[0].span else None)) in got
        if "message" in want:
            assert any(want["message"] in d.message for d in diags), [d.message for d in diags]
        return
    assert diags == [], [d.format() for d in diags]
    scope = scope_for(env, row)
    if "target" in row:
        value = compile_expr(parse(row["expr"]))(scope)
        new = assign_path(scope.context, parse_path(row["target"]), value)
        assert new == to_value(row["expect_context"], env.context)
        return
    expr = parse(row["expr"])
    if "type" in row:
        assert check(expr, env)[0] == parse_type(row["type"])
    compiled = compile_expr(expr, env.functions)
    if "eval_error" in row:
        with pytest.raises(EvaluationError) as info:
            compiled(scope)
        assert row["eval_error"] in info.value.reason
        return
    result = compiled(scope)
    expect = expected_value(row["expect"], result)
    assert result == expect and type(result) is type(expect), (result, expect)
    if check(expr, env)[0] == BOOLEAN:
        assert isinstance(result, bool)
