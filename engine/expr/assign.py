"""Copy-on-write assignment of a value at a context path (``order.status = 'paid'``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import EvaluationError
from engine.expr.ast import Expr, path_of, unparse

__all__ = ["assign_path"]


def assign_path(context: Mapping[str, Any], target: Expr, value: Any) -> dict[str, Any]:
    """A new context with ``target`` set to ``value``; the input is never mutated.

    Only the dicts along the path are copied; everything else is shared. A missing or
    null record on the way is created as an empty one.
    """
    names = path_of(target)
    if names is not None and names[0] == "context":
        names = names[1:]
    if not names or names[0] == "event":
        raise EvaluationError(
            unparse(target),
            "not an assignment target; expected a context field path such as 'order.status'",
        )
    result = dict(context)
    current = result
    for depth, key in enumerate(names[:-1]):
        child = current.get(key)
        if child is None:
            child = {}
        elif isinstance(child, Mapping):
            child = dict(child)
        else:
            where = ".".join(names[: depth + 1])
            raise EvaluationError(
                unparse(target),
                f"'{where}' is not a record, so '{names[depth + 1]}' cannot be set in it",
                {where: child},
            )
        current[key] = child
        current = child
    current[names[-1]] = value
    return result
