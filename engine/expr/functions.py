"""The allow-listed, typed functions an expression may call.

A :class:`Function` pairs a Python implementation with a signature: fixed parameter
types and a result type, or a *type rule* (a callable over the argument types) for
generic functions such as ``len`` or ``min``. A :class:`FunctionRegistry` is an
immutable name -> function table; applications extend it with
``default_functions().extend(Function(...))``.

Implementations receive plain values (see engine/expr/types.py for their Python
representation). They may raise TypeError/ValueError/ArithmeticError on bad input:
the compiler turns those into :class:`EvaluationError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from engine.expr import codes
from engine.expr.types import (
    ANY,
    Type,
)

__all__ = [
    "ArgInfo",
    "Function",
    "FunctionRegistry",
    "TypeProblem",
    "TypeRule",
    "default_functions",
]


@dataclass(frozen=True, slots=True)
class ArgInfo:
    """What a type rule knows of one argument: its type, and its value if it is a literal."""

    type: Type
    is_literal: bool = False
    literal: Any = None


@dataclass(frozen=True, slots=True)
class TypeProblem:
    """A type rule's answer when the arguments do not fit; becomes a diagnostic."""

    message: str
    code: str = codes.ARGUMENT_TYPE


TypeRule = Callable[[Sequence[ArgInfo]], "Type | TypeProblem"]


@dataclass(frozen=True, slots=True)
class Function:
    """One callable of the expression language.

    A call takes ``min_args`` (default ``len(params)``) to ``len(params)`` arguments,
    or any number from ``min_args`` when ``variadic``. Without ``rule`` each argument
    must be assignable to its parameter and the call has type ``result``; with
    ``rule`` (generic functions such as ``len`` or ``min``) the rule checks the
    arguments and computes the result type. ``needs_scope`` functions get the run-time
    :class:`~engine.expr.compiler.Scope` as first argument (``now()``).
    ``accepts_null``: the function handles ``None`` itself (``is_set``).
    """

    name: str
    impl: Callable[..., Any]
    params: tuple[Type, ...] = ()
    result: Type = ANY
    rule: TypeRule | None = None
    min_args: int | None = None
    variadic: bool = False
    needs_scope: bool = False
    accepts_null: bool = False
    doc: str = ""
    signature: str = ""

    @property
    def arity(self) -> tuple[int, int | None]:
        low = len(self.params) if self.min_args is None else self.min_args
        return (low, None if self.variadic else len(self.params))

    def describe(self) -> str:
        if self.signature:
            return self.signature
        params = ", ".join(p.describe() for p in self.params)
        return f"{self.name}({params}) -> {self.result.describe()}"


class FunctionRegistry:
    """An immutable table of functions by name."""

    __slots__ = ("_functions",)

    def __init__(self, functions: Iterable[Function] = ()) -> None:
        self._functions: dict[str, Function] = {f.name: f for f in functions}

    def get(self, name: str) -> Function | None:
        return self._functions.get(name)

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._functions))

    def extend(self, *functions: Function) -> FunctionRegistry:
        """A new registry with ``functions`` added (replacing same-named ones)."""
        return FunctionRegistry([*self._functions.values(), *functions])

    def __contains__(self, name: object) -> bool:
        return name in self._functions

    def __iter__(self) -> Iterator[Function]:
        return iter(self._functions.values())

    def __len__(self) -> int:
        return len(self._functions)

    def __repr__(self) -> str:
        return f"FunctionRegistry({', '.join(self.names())})"


def default_functions() -> FunctionRegistry:
    """The built-in functions (one shared, immutable registry; see engine/expr/builtins.py)."""
    from engine.expr.builtins import builtin_functions  # builtins imports this module

    return builtin_functions()
