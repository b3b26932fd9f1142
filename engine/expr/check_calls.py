"""Type checking of function calls (against the :class:`FunctionRegistry`), list literals and ``In()``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.expr import codes
from engine.expr.ast import NO_SPAN, Call, InState, ListLit, Literal, unparse
from engine.expr.functions import ArgInfo, TypeProblem
from engine.expr.rules import unify
from engine.expr.types import (
    ANY,
    BOOLEAN,
    STRING,
    EnumType,
    ListType,
    Type,
    is_assignable,
    strip_optional,
)
from engine.expr.wording import article, listing, suggest

if TYPE_CHECKING:
    from engine.expr.checker import Checker

__all__ = ["check_call", "check_in_state", "check_list"]


def check_call(checker: Checker, node: Call, arg_types: list[Type]) -> Type:
    """The result type of a call; reports unknown functions, arity and argument types."""
    if node.name == "In":
        return checker.error(
            codes.UNKNOWN_STATE, "In() takes one state id in quotes, e.g. In('approved')", node
        )
    fn = checker.env.functions.get(node.name)
    if fn is None:
        close = suggest(node.name, checker.env.functions.names())
        hint = (
            f"did you mean '{close}'?"
            if close
            else f"expected one of: {listing(checker.env.functions.names(), 30)}"
        )
        return checker.error(
            codes.UNKNOWN_FUNCTION, f"unknown function '{node.name}'; {hint}", node
        )
    low, high = fn.arity
    n = len(node.args)
    if n < low or (high is not None and n > high):
        want = (
            str(low) if low == high else (f"{low} or more" if high is None else f"{low} to {high}")
        )
        return checker.error(
            codes.ARITY,
            f"{node.name}() takes {want} argument"
            f"{'' if want == '1' else 's'} ({fn.describe()}), got {n}",
            node,
        )
    if fn.rule is not None:
        infos = [
            ArgInfo(t, isinstance(a, Literal), a.value if isinstance(a, Literal) else None)
            for a, t in zip(node.args, arg_types, strict=True)
        ]
        answer = fn.rule(infos)
        if isinstance(answer, TypeProblem):
            return checker.error(answer.code, answer.message, node)
        return answer
    for i, (arg, t, param) in enumerate(zip(node.args, arg_types, fn.params, strict=False)):
        base = strip_optional(t)
        if isinstance(base, EnumType) and param == STRING:
            continue
        if not is_assignable(base if not fn.accepts_null else t, param):
            checker.error(
                codes.ARGUMENT_TYPE,
                f"argument {i + 1} of {node.name}() must be "
                f"{article(param)}, but '{unparse(arg)}' is {article(t)} "
                f"({fn.describe()})",
                arg,
            )
    return fn.result


def check_list(checker: Checker, node: ListLit) -> Type:
    """A list literal's type: its items must share one."""
    result: Type = ANY
    for item in node.items:
        t = checker.infer(item)
        joined = unify(result, t)
        if joined is None:
            checker.error(
                codes.OPERATOR_TYPE,
                f"list items must all be of one kind; "
                f"'{unparse(item)}' is {article(t)} but earlier items are "
                f"{result.describe()}",
                item,
            )
        else:
            result = joined
    return ListType(result)


def check_in_state(checker: Checker, node: InState) -> Type:
    """``In('x')``: x must be a state of the chart."""
    states = checker.env.states
    if node.state not in states:
        close = suggest(node.state, states)
        hint = (
            f"did you mean '{close}'?"
            if close
            else f"expected one of: {listing(sorted(states))}"
            if states
            else "the chart declares no states"
        )
        checker.error(
            codes.UNKNOWN_STATE,
            f"unknown state '{node.state}' in In(); {hint}",
            node,
            None if node.arg_span is NO_SPAN else node.arg_span,
        )
    return BOOLEAN
