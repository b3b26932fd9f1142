"""Expression tree -> nested Python closures, and the run-time :class:`Scope`.

``compile_expr`` walks the tree once and returns a :class:`Compiled` callable; evaluating
it only calls closures (no ``eval``/``exec``, no attribute access on user data: paths are
looked up in mappings only). Every failure is an :class:`EvaluationError` naming the
expression, the reason and the values seen. Names resolve as the checker resolves them:
``event`` is the event's data, ``_event`` the event (``_event.name``), ``context`` the
context, then caller ``variables`` (which shadow context fields), then context fields. A
missing key reads as null.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
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
    Literal,
    Name,
    Unary,
    path_of,
    unparse,
)
from engine.expr.functions import FunctionRegistry, default_functions
from engine.expr.ops import BINARY_OPS, EMPTY, ERRORS, ValueTooLarge, kind_of
from engine.expr.types import SYSTEM_EVENT

__all__ = ["Compiled", "Evaluator", "Scope", "compile_expr"]

Evaluator = Callable[["Scope"], Any]


@dataclass(slots=True)
class Scope:
    """What an expression sees at run time. Cheap to build: the runtime makes one per step."""

    context: Mapping[str, Any]
    event: Mapping[str, Any]
    now: datetime
    in_state: Callable[[str], bool]
    variables: Mapping[str, Any] = EMPTY
    event_name: str | None = None  # ``_event.name``: None before the first event
    #: ``_event.actor``, ``_event.note``, ``_event.client_note``: who sent the event
    actor: str | None = None
    note: str | None = None
    client_note: str | None = None

    def system_event(self) -> dict[str, Any]:
        """``_event`` as a record."""
        return {
            "name": self.event_name,
            "actor": self.actor,
            "note": self.note,
            "client_note": self.client_note,
        }


class Compiled:
    """``compiled(scope) -> value``; ``fn`` is the bare closure (one call less, for hot
    loops), ``text`` the canonical source and ``expr`` the tree."""

    __slots__ = ("_clauses", "expr", "fn", "functions", "text")

    def __init__(self, fn: Evaluator, expr: Expr, text: str, functions: FunctionRegistry) -> None:
        self.fn = fn
        self.expr = expr
        self.text = text
        self.functions = functions
        self._clauses: Any = None

    def __call__(self, scope: Scope) -> Any:
        return self.fn(scope)

    def __repr__(self) -> str:
        return f"Compiled({self.text!r})"


class _Compiler:
    def __init__(self, text: str, functions: FunctionRegistry) -> None:
        self.text = text
        self.functions = functions

    def fail(self, reason: str, values: dict[str, Any] | None = None) -> EvaluationError:
        return EvaluationError(self.text, reason, values)

    def op_error(self, node: Binary | Unary, exc: Exception, *operands: Any) -> EvaluationError:
        sides = (node.left, node.right) if isinstance(node, Binary) else (node.operand,)
        values = {
            unparse(side): v
            for side, v in zip(sides, operands, strict=True)
            if not isinstance(side, Literal)
        }
        for side, v in zip(sides, operands, strict=True):
            if v is None and not isinstance(side, Literal):
                return self.fail(f"'{unparse(side)}' is not set", values)
        if isinstance(exc, ZeroDivisionError) or "division" in type(exc).__name__.lower():
            return self.fail(f"division by zero in '{unparse(node)}'", values)
        if isinstance(exc, ValueTooLarge):
            return self.fail(f"'{unparse(node)}' would make {exc}", values)
        kinds = " and ".join(kind_of(v) for v in operands)
        return self.fail(f"'{node.op}' cannot be applied to {kinds} in '{unparse(node)}'", values)

    # paths ------------------------------------------------------------------------------
    def step(self, value: Any, key: str, prefix: Expr) -> Any:
        if value is None:
            return None
        if isinstance(value, Mapping):
            return value.get(key)
        raise self.fail(
            f"'{unparse(prefix)}' is {kind_of(value)}, not a record, so it has no field '{key}'",
            {unparse(prefix): value},
        )

    def path(self, node: Expr, names: tuple[str, ...]) -> Evaluator:
        root, keys = names[0], names[1:]
        root_fn: Evaluator
        if root == "event":
            root_fn = operator.attrgetter("event")
        elif root == SYSTEM_EVENT and keys == ("name",):
            return operator.attrgetter("event_name")
        elif (
            root == SYSTEM_EVENT and len(keys) == 1 and keys[0] in ("actor", "note", "client_note")
        ):
            return operator.attrgetter(keys[0])
        elif root == SYSTEM_EVENT:

            def root_fn(s: Scope) -> Any:
                return s.system_event()
        elif root == "context" and keys:
            first, keys = keys[0], keys[1:]

            def root_fn(s: Scope) -> Any:
                return s.context.get(first)
        elif root == "context":
            root_fn = operator.attrgetter("context")
        else:

            def root_fn(s: Scope) -> Any:
                v = s.variables
                if v and root in v:
                    return v[root]
                return s.context.get(root)

        if not keys:
            return root_fn
        prefixes: list[Expr] = []
        walker = node
        while isinstance(walker, Field):
            walker = walker.obj
            prefixes.append(walker)
        prefixes.reverse()
        steps = tuple(zip(keys, prefixes[-len(keys) :], strict=True))
        step = self.step

        if len(steps) == 1:
            ((key, prefix),) = steps

            def path1(s: Scope) -> Any:
                value = root_fn(s)
                if type(value) is dict:
                    return value.get(key)
                return step(value, key, prefix)

            return path1

        def path_n(s: Scope) -> Any:
            value = root_fn(s)
            for key, prefix in steps:
                value = value.get(key) if type(value) is dict else step(value, key, prefix)
            return value

        return path_n

    # operators --------------------------------------------------------------------------
    def logical(self, node: Binary) -> Evaluator:
        left, right = self.build(node.left), self.build(node.right)
        fail = self.not_bool
        if node.op == "and":

            def and_(s: Scope) -> Any:
                a = left(s)
                if a is False:
                    return False
                if a is not True:
                    raise fail(node.left, a)
                b = right(s)
                if b is True or b is False:
                    return b
                raise fail(node.right, b)

            return and_

        def or_(s: Scope) -> Any:
            a = left(s)
            if a is True:
                return True
            if a is not False:
                raise fail(node.left, a)
            b = right(s)
            if b is True or b is False:
                return b
            raise fail(node.right, b)

        return or_

    def not_bool(self, node: Expr, value: Any) -> EvaluationError:
        text = unparse(node)
        if value is None:
            return self.fail(f"'{text}' is not set", {text: value})
        return self.fail(f"'{text}' is {kind_of(value)}, not true or false", {text: value})

    def binary(self, node: Binary) -> Evaluator:
        if node.op in ("and", "or"):
            return self.logical(node)
        general = self.binary_general(node)
        op, error = BINARY_OPS[node.op], self.op_error
        left, right = _plain_name(node.left), _plain_name(node.right)
        # Fast paths for the commonest guards, `total <= limit` and `status == 'paid'`:
        # read the context directly unless caller variables might shadow the names.
        if left is not None and right is not None:

            def names(s: Scope) -> Any:
                if s.variables:
                    return general(s)
                c = s.context
                a, b = c.get(left), c.get(right)
                try:
                    return op(a, b)
                except ERRORS as exc:
                    raise error(node, exc, a, b) from None

            return names
        if left is not None and isinstance(node.right, Literal):
            const = node.right.value

            def name_const(s: Scope) -> Any:
                if s.variables:
                    return general(s)
                a = s.context.get(left)
                try:
                    return op(a, const)
                except ERRORS as exc:
                    raise error(node, exc, a, const) from None

            return name_const
        return general

    def binary_general(self, node: Binary) -> Evaluator:
        op = BINARY_OPS[node.op]
        error = self.op_error
        left, right = node.left, node.right
        if isinstance(right, Literal) and not isinstance(left, Literal):
            lf, c = self.build(left), right.value

            def binary_const(s: Scope) -> Any:
                a = lf(s)
                try:
                    return op(a, c)
                except ERRORS as exc:
                    raise error(node, exc, a, c) from None

            return binary_const
        if isinstance(right, ListLit) and all(isinstance(i, Literal) for i in right.items):
            lf = self.build(left)
            items = tuple(i.value for i in right.items if isinstance(i, Literal))

            def binary_items(s: Scope) -> Any:
                a = lf(s)
                try:
                    return op(a, items)
                except ERRORS as exc:
                    raise error(node, exc, a, items) from None

            return binary_items
        lf, rf = self.build(left), self.build(right)

        def binary_(s: Scope) -> Any:
            a = lf(s)
            b = rf(s)
            try:
                return op(a, b)
            except ERRORS as exc:
                raise error(node, exc, a, b) from None

        return binary_

    def unary(self, node: Unary) -> Evaluator:
        operand = self.build(node.operand)
        if node.op == "not":
            fail = self.not_bool

            def not_(s: Scope) -> Any:
                v = operand(s)
                if v is True:
                    return False
                if v is False:
                    return True
                raise fail(node.operand, v)

            return not_
        error = self.op_error

        def neg(s: Scope) -> Any:
            v = operand(s)
            if isinstance(v, bool) or not isinstance(v, (int, Decimal, timedelta)):
                raise error(node, TypeError(), v)
            try:
                return -v
            except ERRORS as exc:
                raise error(node, exc, v) from None

        return neg

    # the rest ---------------------------------------------------------------------------
    def index(self, node: Index) -> Evaluator:
        obj, idx = self.build(node.obj), self.build(node.index)
        fail, text = self.fail, unparse(node.obj)

        def index_(s: Scope) -> Any:
            seq, i = obj(s), idx(s)
            if seq is None:
                return None
            if not isinstance(seq, (list, tuple)):
                raise fail(f"'{text}' is {kind_of(seq)}, not a list", {text: seq})
            if isinstance(i, bool) or not isinstance(i, int):
                raise fail(f"a list position must be a whole number, not {kind_of(i)}", {text: seq})
            if not -len(seq) <= i < len(seq):
                raise fail(f"'{text}' has no item {i} (it has {len(seq)})", {text: seq})
            return seq[i]

        return index_

    def field(self, node: Field) -> Evaluator:
        obj, key, step = self.build(node.obj), node.name, self.step
        return lambda s: step(obj(s), key, node.obj)

    def call(self, node: Call) -> Evaluator:
        fn = self.functions.get(node.name)
        fail, name = self.fail, node.name
        if fn is None:

            def unknown(s: Scope) -> Any:
                raise fail(f"unknown function '{name}'")

            return unknown
        args = tuple(self.build(a) for a in node.args)
        texts = tuple(unparse(a) for a in node.args)
        impl, needs_scope, accepts_null = fn.impl, fn.needs_scope, fn.accepts_null
        if not args and needs_scope:  # now(), today(): no arguments to gather
            return lambda s: impl(s)

        def call_(s: Scope) -> Any:
            values = [a(s) for a in args]
            if not accepts_null:
                for text, v in zip(texts, values, strict=True):
                    if v is None:
                        raise fail(f"'{text}' is not set (in {name}())", {text: None})
            try:
                return impl(s, *values) if needs_scope else impl(*values)
            except EvaluationError:
                raise
            except Exception as exc:  # an application function may raise anything
                seen = dict(zip(texts, values, strict=False))
                raise fail(f"{name}() failed: {exc}", seen) from exc

        return call_

    def list_lit(self, node: ListLit) -> Evaluator:
        items = tuple(self.build(i) for i in node.items)
        return lambda s: [item(s) for item in items]

    def build(self, node: Expr) -> Evaluator:
        names = path_of(node)
        if names is not None:
            return self.path(node, names)
        match node:
            case Literal(value=value):
                return lambda s: value
            case Binary():
                return self.binary(node)
            case Unary():
                return self.unary(node)
            case Index():
                return self.index(node)
            case Field():
                return self.field(node)
            case Call():
                return self.call(node)
            case ListLit():
                return self.list_lit(node)
            case InState(state=state):
                return lambda s: s.in_state(state)
        raise TypeError(f"not an expression node: {node!r}")


def _plain_name(node: Expr) -> str | None:
    """A bare context name (``total``), the operand the fast paths read directly."""
    if isinstance(node, Name) and node.name not in ("event", "context", SYSTEM_EVENT):
        return node.name
    return None


def compile_expr(expr: Expr, functions: FunctionRegistry | None = None) -> Compiled:
    """Compile ``expr`` once into closures; call the result with a :class:`Scope`."""
    registry = functions if functions is not None else default_functions()
    text = unparse(expr)
    fn = _Compiler(text, registry).build(expr)
    return Compiled(fn, expr, text, registry)
