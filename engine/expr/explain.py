"""Why did a guard fail? Split it into its top-level ``and`` clauses and evaluate each.

Used by ``Engine.explain``: for every clause, its text, its span, its result (a
boolean, or the :class:`EvaluationError` it raised) and the value of every path it
reads, so a reader sees *which* condition failed *with which values*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.errors import EvaluationError
from engine.expr.ast import (
    Binary,
    Call,
    Expr,
    Field,
    Index,
    InState,
    ListLit,
    Unary,
    path_of,
    unparse,
)
from engine.expr.compiler import Compiled, Evaluator, Scope, _Compiler
from engine.source import Span

__all__ = ["ClauseResult", "clauses", "explain_guard", "paths_in"]


@dataclass(frozen=True, slots=True)
class ClauseResult:
    """One top-level ``and`` clause of a guard, as evaluated in one scope."""

    text: str
    span: Span
    result: Any  # bool, or the EvaluationError the clause raised
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.result is True


def clauses(expr: Expr) -> list[Expr]:
    """``a and b and c`` -> ``[a, b, c]``; any other expression is one clause."""
    if isinstance(expr, Binary) and expr.op == "and":
        return clauses(expr.left) + clauses(expr.right)
    return [expr]


@dataclass(frozen=True, slots=True)
class _Plan:
    clause: Expr
    text: str
    evaluate: Evaluator
    reads: tuple[tuple[str, Evaluator], ...]


def _plans(compiled: Compiled) -> list[_Plan]:
    cached: list[_Plan] | None = compiled._clauses
    if cached is not None:
        return cached
    plans = []
    for clause in clauses(compiled.expr):
        text = unparse(clause)
        compiler = _Compiler(text, compiled.functions)
        reads: dict[str, Evaluator] = {}
        for node in paths_in(clause):
            reads.setdefault(unparse(node), compiler.build(node))
        plans.append(_Plan(clause, text, compiler.build(clause), tuple(reads.items())))
    compiled._clauses = plans
    return plans


def explain_guard(compiled: Compiled, scope: Scope) -> list[ClauseResult]:
    """Each top-level clause of ``compiled`` with its result and the values it read."""
    results = []
    for plan in _plans(compiled):
        result: Any
        try:
            result = plan.evaluate(scope)
        except EvaluationError as exc:
            result = exc
        values: dict[str, Any] = {}
        for text, read in plan.reads:
            try:
                values[text] = read(scope)
            except EvaluationError:
                continue
        results.append(ClauseResult(plan.text, plan.clause.span, result, values))
    return results


def paths_in(expr: Expr) -> list[Expr]:
    """The outermost paths (``order.total``), ``In()`` tests and calls an expression reads."""
    if path_of(expr) is not None or isinstance(expr, InState):
        return [expr]
    found: list[Expr] = []
    match expr:
        case Binary(left=left, right=right):
            found += paths_in(left) + paths_in(right)
        case Unary(operand=operand):
            found += paths_in(operand)
        case Index(obj=obj, index=index):
            found += paths_in(obj) + paths_in(index)
        case Field(obj=obj):
            found += paths_in(obj)
        case Call(args=items) | ListLit(items=items):
            for item in items:
                found += paths_in(item)
        case _:
            pass
    return found
