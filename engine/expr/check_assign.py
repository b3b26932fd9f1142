"""Type checking of assignments: ``target = value`` where target is a context path."""

from __future__ import annotations

from engine.errors import Diagnostic
from engine.expr import codes
from engine.expr.ast import Expr, path_of, unparse
from engine.expr.checker import Checker, TypeEnv, infer_safely
from engine.expr.types import (
    ANY,
    OptionalType,
    Type,
)
from engine.expr.wording import article

__all__ = ["check_assignment"]

_RESERVED = ("event", "context", "_event")


def check_assignment(target: Expr, value: Expr, env: TypeEnv) -> list[Diagnostic]:
    """Problems with ``target = value``: target must be a context path, value assignable."""
    checker = Checker(env, "assignment")
    path = path_of(target)
    if path is not None and path[0] == "context" and len(path) > 1:
        path = path[1:]
    if path is None or path[0] in _RESERVED or path[0] in env.variables:
        text = unparse(target)
        checker.error(
            codes.BAD_TARGET,
            f"cannot assign to '{text}'; expected a context field "
            "path such as 'status' or 'order.status'",
            target,
        )
        target_t: Type = ANY
    else:
        target_t = infer_safely(checker, target)
    value_t = infer_safely(checker, value)
    if not checker.diags and not checker.fits(value, value_t, target_t):
        hint = (
            "; use coalesce(value, default) to supply a value when it is not set"
            if isinstance(value_t, OptionalType)
            else ""
        )
        checker.error(
            codes.NOT_ASSIGNABLE,
            f"cannot store {article(value_t)} in "
            f"'{'.'.join(path or ())}', which is declared {target_t.describe()}{hint}",
            value,
        )
    return checker.diags
