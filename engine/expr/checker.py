"""Static typing of expressions against a chart's declared context.

:func:`check` infers the type of an expression and collects every problem it can
find (it does not stop at the first); :func:`check_assignment` checks that a value
may be stored at a context path. Both return :class:`Diagnostic` values with E2xx
codes and the span of the offending node. Messages say what is wrong and what was
expected, for readers who are not programmers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.errors import Diagnostic, Severity
from engine.expr import codes
from engine.expr.ast import (
    Binary,
    Call,
    Expr,
    Field,
    Index,
    InState,
    ListLit,
    Literal,
    LiteralKind,
    Name,
    Unary,
    unparse,
)
from engine.expr.check_calls import check_call, check_in_state, check_list
from engine.expr.functions import FunctionRegistry, default_functions
from engine.expr.rules import arithmetic, comparable, is_boolean, orderable
from engine.expr.types import (
    ANY,
    BOOLEAN,
    DATE,
    DECIMAL,
    DURATION,
    INTEGER,
    NULL,
    STRING,
    SYSTEM_EVENT,
    SYSTEM_EVENT_TYPE,
    TIMESTAMP,
    EnumType,
    ListType,
    OptionalType,
    RecordType,
    Type,
    is_assignable,
    is_numeric,
    strip_optional,
)
from engine.expr.wording import ARITH_HINT, article, did_you_mean, listing, suggest
from engine.source import Span

__all__ = ["Checker", "TypeEnv", "check", "infer_safely"]

_LITERAL_TYPES: dict[LiteralKind, Type] = {
    "integer": INTEGER,
    "decimal": DECIMAL,
    "string": STRING,
    "boolean": BOOLEAN,
    "null": NULL,
    "duration": DURATION,
    "date": DATE,
    "timestamp": TIMESTAMP,
}


@dataclass(frozen=True, slots=True)
class TypeEnv:
    """What an expression may refer to: the context, the event's data, states, functions."""

    context: RecordType
    event: RecordType | None = None
    states: frozenset[str] = frozenset()
    functions: FunctionRegistry = field(default_factory=default_functions)
    variables: Mapping[str, Type] = field(default_factory=dict)
    #: the type of ``_event``: its ``name`` is optional unless an event is certain
    system_event: RecordType = SYSTEM_EVENT_TYPE
    #: why ``event`` has no data here, for messages (entry and exit actions say which events)
    no_data_reason: str = "this transition's event declares no data"
    #: the message for an event field that is not declared (``{name}``, ``{hint}``, ``{fields}``)
    missing_field: str = "the event has no field '{name}'; {hint}this event declares: {fields}"


class Checker:
    def __init__(self, env: TypeEnv, where: str) -> None:
        self.env = env
        self.where = where
        self.diags: list[Diagnostic] = []

    def error(self, code: str, message: str, node: Expr, span: Span | None = None) -> Type:
        self.diags.append(Diagnostic(code, Severity.ERROR, message, span or node.span))
        return ANY

    @staticmethod
    def name_span(node: Field) -> Span:
        """The span of a path's last name (``emial`` in ``customer.emial``)."""
        sp = node.span
        return Span(
            sp.file, sp.end_line, max(1, sp.end_col - len(node.name)), sp.end_line, sp.end_col
        )

    # names and paths ------------------------------------------------------------------
    def name(self, node: Name) -> Type:
        env, n = self.env, node.name
        if n == "event":
            if env.event is None:
                return self.error(
                    codes.UNKNOWN_EVENT_FIELD,
                    f"{env.no_data_reason}, so 'event' cannot be used here",
                    node,
                )
            return env.event
        if n == "context":
            return env.context
        if n == SYSTEM_EVENT:
            return env.system_event
        if n in env.variables:
            return env.variables[n]
        f = env.context.field(n)
        if f is not None:
            return f.type
        return self.unknown_name(n, node)

    def unknown_name(self, n: str, node: Expr) -> Type:
        fields = [f.name for f in self.env.context.fields]
        options = [*fields, *self.env.variables, *(["event"] if self.env.event else [])]
        close = suggest(n, options)
        if close is not None:
            kind = "a context field" if close in fields else "a name"
            hint = f"expected {kind} such as '{close}'"
        elif fields:
            hint = f"expected a context field: {listing(fields)}"
        else:
            hint = "the context declares no fields"
        return self.error(codes.UNKNOWN_NAME, f"unknown name '{n}' in {self.where}; {hint}", node)

    def field(self, node: Field) -> Type:
        obj = node.obj
        if isinstance(obj, Name) and obj.name == "context":
            f = self.env.context.field(node.name)
            return f.type if f is not None else self.unknown_name(node.name, node)
        if isinstance(obj, Name) and obj.name == "event":
            return self.event_field(node)
        obj_t = self.infer(obj)
        base = strip_optional(obj_t)
        if base == ANY:
            return ANY
        if not isinstance(base, RecordType):
            return self.error(
                codes.UNKNOWN_FIELD,
                f"'{unparse(obj)}' is {article(base)}, not a record; it has no field '{node.name}'",
                node,
            )
        f = base.field(node.name)
        if f is None:
            names = [x.name for x in base.fields]
            hint = did_you_mean(node.name, names)
            return self.error(
                codes.UNKNOWN_FIELD,
                f"unknown field '{node.name}' of "
                f"'{unparse(obj)}'; {hint}expected one of: {listing(names)}",
                node,
                self.name_span(node),
            )
        if isinstance(obj_t, OptionalType) and not isinstance(f.type, OptionalType):
            return OptionalType(f.type)
        return f.type

    def event_field(self, node: Field) -> Type:
        event = self.env.event
        f = event.field(node.name) if event is not None else None
        if f is not None:
            return f.type
        names = [x.name for x in event.fields] if event is not None else []
        if names:
            hint = did_you_mean(node.name, names)
            message = self.env.missing_field.format(
                name=node.name, hint=hint, fields=listing(names)
            )
        else:
            message = (
                f"{self.env.no_data_reason}, so '{unparse(node)}' is not available; "
                "expected the field to be declared in the event's data"
            )
        span = self.name_span(node) if event is not None else None
        return self.error(codes.UNKNOWN_EVENT_FIELD, message, node, span)

    def index(self, node: Index) -> Type:
        obj_t = self.infer(node.obj)
        index_t = strip_optional(self.infer(node.index))
        if index_t not in (INTEGER, ANY):
            self.error(
                codes.OPERATOR_TYPE,
                f"a list position must be a whole number, not "
                f"{article(index_t)} ('{unparse(node.index)}')",
                node.index,
            )
        base = strip_optional(obj_t)
        if base == ANY:
            return ANY
        if not isinstance(base, ListType):
            return self.error(
                codes.OPERATOR_TYPE,
                f"'{unparse(node.obj)}' is {article(base)}, not a list; it cannot be indexed",
                node,
            )
        if isinstance(obj_t, OptionalType) and not isinstance(base.item, OptionalType):
            return OptionalType(base.item)
        return base.item

    # operators ------------------------------------------------------------------------
    def unary(self, node: Unary) -> Type:
        t = self.infer(node.operand)
        base = strip_optional(t)
        if node.op == "not":
            if not is_boolean(base):
                self.error(
                    codes.OPERATOR_TYPE,
                    f"'not' needs a condition (true or false), but "
                    f"'{unparse(node.operand)}' is {article(base)}",
                    node,
                )
            return BOOLEAN
        if base in (ANY, DURATION) or is_numeric(base):
            return base
        return self.error(
            codes.OPERATOR_TYPE,
            f"'-' needs a number or a duration, but '{unparse(node.operand)}' is {article(base)}",
            node,
        )

    def enum_literal(self, enum_side: Expr, enum_t: Type, other: Expr) -> bool:
        """Reports a string literal that is not a member of an enum; True if it checked one."""
        base = strip_optional(enum_t)
        if not (
            isinstance(base, EnumType) and isinstance(other, Literal) and other.kind == "string"
        ):
            return False
        value = str(other.value)
        if value not in base.values:
            hint = did_you_mean(value, base.values)
            # compared with a field, it is named; assigned (no other side), its type is
            side = base.describe() if enum_side is other else f"'{unparse(enum_side)}'"
            self.error(
                codes.NOT_ENUM_MEMBER,
                f"'{value}' is not a value of {side}; {hint}expected one of: "
                f"{', '.join(base.values)}",
                other,
            )
        return True

    def binary(self, node: Binary) -> Type:
        op, left, right = node.op, node.left, node.right
        lt, rt = self.infer(left), self.infer(right)
        if op in ("and", "or"):
            for side, t in ((left, lt), (right, rt)):
                if not is_boolean(t):
                    self.error(
                        codes.OPERATOR_TYPE,
                        f"'{op}' joins conditions (true or false), "
                        f"but '{unparse(side)}' is {article(t)}",
                        side,
                    )
            return BOOLEAN
        if op in ("==", "!="):
            literal = self.enum_literal(left, lt, right) or self.enum_literal(right, rt, left)
            if not literal and not comparable(lt, rt):
                self.error(
                    codes.OPERATOR_TYPE,
                    f"cannot compare {article(lt)} with "
                    f"{article(rt)} in '{unparse(node)}'; expected two values of the "
                    "same kind",
                    node,
                )
            return BOOLEAN
        if op in ("<", "<=", ">", ">="):
            if not orderable(lt, rt):
                self.error(
                    codes.OPERATOR_TYPE,
                    f"cannot order {article(lt)} and {article(rt)} "
                    f"with '{op}' in '{unparse(node)}'; expected two numbers, or two "
                    "strings, dates, timestamps or durations",
                    node,
                )
            return BOOLEAN
        if op in ("in", "not in"):
            return self.membership(node, lt, rt)
        result = arithmetic(op, lt, rt)
        if result is None:
            return self.error(
                codes.OPERATOR_TYPE,
                f"cannot apply '{op}' to {article(lt)} and "
                f"{article(rt)} in '{unparse(node)}'; {ARITH_HINT[op]}",
                node,
            )
        return result

    def membership(self, node: Binary, lt: Type, rt: Type) -> Type:
        right = strip_optional(rt)
        if isinstance(right, ListType):
            items = node.right.items if isinstance(node.right, ListLit) else ()
            checked = self.enum_literal(node.right, right.item, node.left)
            for item in items:
                checked = self.enum_literal(node.left, lt, item) or checked
            if not checked and not comparable(lt, right.item):
                self.error(
                    codes.OPERATOR_TYPE,
                    f"'{unparse(node.left)}' is {article(lt)} but "
                    f"'{unparse(node.right)}' is {article(right)}; expected a list of "
                    "values of the same kind",
                    node,
                )
        elif right == STRING:
            left = strip_optional(lt)
            if left not in (STRING, ANY) and not isinstance(left, EnumType):
                self.error(
                    codes.OPERATOR_TYPE,
                    f"'{node.op}' on a string looks for a substring, "
                    f"but '{unparse(node.left)}' is {article(left)}",
                    node,
                )
        elif right != ANY:
            self.error(
                codes.OPERATOR_TYPE,
                f"'{node.op}' needs a list or a string on the right, "
                f"but '{unparse(node.right)}' is {article(right)}",
                node,
            )
        return BOOLEAN

    # calls, lists, literals -----------------------------------------------------------
    def call(self, node: Call) -> Type:
        return check_call(self, node, [self.infer(a) for a in node.args])

    def fits(self, value: Expr, vt: Type, target: Type) -> bool:
        """Assignability, where a string literal fits an enum that has it as a value."""
        base = strip_optional(target)
        if isinstance(base, EnumType) and isinstance(value, Literal) and value.kind == "string":
            self.enum_literal(value, target, value)
            return True
        if isinstance(base, ListType) and isinstance(value, ListLit):
            return all(self.fits(item, self.infer(item), base.item) for item in value.items)
        return is_assignable(vt, target)

    def infer(self, node: Expr) -> Type:
        match node:
            case Literal(kind=kind):
                return _LITERAL_TYPES[kind]
            case Name():
                return self.name(node)
            case Field():
                return self.field(node)
            case Index():
                return self.index(node)
            case Unary():
                return self.unary(node)
            case Binary():
                return self.binary(node)
            case Call():
                return self.call(node)
            case ListLit():
                return check_list(self, node)
            case InState():
                return check_in_state(self, node)
        raise TypeError(f"not an expression node: {node!r}")


def infer_safely(checker: Checker, expr: Expr) -> Type:
    try:
        return checker.infer(expr)
    except RecursionError:
        return checker.error(codes.SYNTAX, "expression is nested too deeply; simplify it", expr)


def check(
    expr: Expr, env: TypeEnv, *, expected: Type | None = None
) -> tuple[Type, list[Diagnostic]]:
    """The type of ``expr`` and every problem found; ``expected=BOOLEAN`` for guards."""
    checker = Checker(env, "guard" if expected == BOOLEAN else "expression")
    t = infer_safely(checker, expr)
    if expected is not None and not checker.diags:
        if expected == BOOLEAN and not is_boolean(t):
            checker.error(
                codes.NOT_BOOLEAN,
                f"a guard must be a condition (true or false), but "
                f"'{unparse(expr)}' is {article(t)}; compare it with something, "
                f"e.g. '{unparse(expr)} == ...'",
                expr,
            )
        elif expected != BOOLEAN and not checker.fits(expr, t, expected):
            checker.error(
                codes.NOT_BOOLEAN,
                f"expected {article(expected)} here, but '{unparse(expr)}' is {article(t)}",
                expr,
            )
    return t, checker.diags
