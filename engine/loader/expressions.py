"""Parse, type-check and compile the expressions found in a document."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from engine.errors import Diagnostic, ExpressionError, Severity
from engine.expr import (
    FunctionRegistry,
    TypeEnv,
    check,
    check_assignment,
    compile_expr,
    parse,
    parse_path,
)
from engine.expr.types import Type
from engine.loader.yaml_source import Document, Pointer, format_path
from engine.model import Expression

__all__ = ["MAX_EXPRESSIONS", "ExpressionCompiler"]

#: how many expressions one chart may have (each is parsed, checked and compiled: about
#: 0.3 ms apiece, so this bounds the model stage of a hostile chart to a few seconds)
MAX_EXPRESSIONS = 10_000


class ExpressionCompiler:
    """Turns expression text at a document path into an :class:`Expression`.

    Problems are added to ``diagnostics`` with the key path; the expression's own
    spans already point at the column inside the YAML scalar.
    """

    def __init__(
        self, doc: Document, diagnostics: list[Diagnostic], functions: FunctionRegistry
    ) -> None:
        self.doc = doc
        self.diagnostics = diagnostics
        self.functions = functions
        self.count = 0

    def _over_budget(self, path: Pointer) -> bool:
        """True once the chart has more than :data:`MAX_EXPRESSIONS` (E015, reported once)."""
        self.count += 1
        if self.count <= MAX_EXPRESSIONS:
            return False
        if self.count == MAX_EXPRESSIONS + 1:
            self.diagnostics.append(
                Diagnostic(
                    "E015",
                    Severity.ERROR,
                    f"the chart has more than {MAX_EXPRESSIONS:,} expressions (guards, "
                    "assignments, delays, data); expected fewer (split the chart); the rest "
                    "are not checked",
                    self.doc.span(path),
                    format_path(path),
                )
            )
        return True

    def _where(self, path: Pointer, text: str) -> tuple[str, Any]:
        loc = self.doc.loc(path)
        if loc is None:
            return self.doc.file, None
        return loc.span.file, loc.locate(text)

    def _report(self, diags: list[Diagnostic], path: Pointer) -> bool:
        ok = True
        where = format_path(path)
        for d in diags:
            span = d.span if d.span is not None else self.doc.span(path)
            self.diagnostics.append(replace(d, path=where, span=span))
            ok = ok and not d.is_error
        return ok

    def text_of(self, value: Any, path: Pointer) -> str | None:
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        if isinstance(value, str):
            return value
        self.diagnostics.append(
            Diagnostic(
                "E103",
                Severity.ERROR,
                "expected an expression (text)",
                self.doc.span(path),
                format_path(path),
            )
        )
        return None

    def expression(
        self, value: Any, path: Pointer, env: TypeEnv, expected: Type | None = None
    ) -> tuple[Expression | None, Type | None]:
        text = self.text_of(value, path)
        if text is None or self._over_budget(path):
            return None, None
        file, locate = self._where(path, text)
        try:
            expr = parse(text, file=file, locate=locate)
        except ExpressionError as exc:
            self._report([exc.diagnostic], path)
            return None, None
        typ, diags = check(expr, env, expected=expected)
        if not self._report(diags, path):
            return None, typ
        return Expression(text, self.doc.span(path), expr, compile_expr(expr, self.functions)), typ

    def assignment(
        self, target: str, value: Any, path: Pointer, env: TypeEnv
    ) -> tuple[Expression, Expression] | None:
        if self._over_budget(path):
            return None
        key_path = path
        key_loc = self.doc.keys.get(path)
        file = key_loc.span.file if key_loc else self.doc.file
        locate = key_loc.locate(target) if key_loc else None
        try:
            target_expr = parse_path(target, file=file, locate=locate)
        except ExpressionError as exc:
            self._report([replace(exc.diagnostic, span=exc.diagnostic.span)], key_path)
            return None
        text = self.text_of(value, path)
        if text is None:
            return None
        vfile, vlocate = self._where(path, text)
        try:
            value_expr = parse(text, file=vfile, locate=vlocate)
        except ExpressionError as exc:
            self._report([exc.diagnostic], path)
            return None
        if not self._report(check_assignment(target_expr, value_expr, env), path):
            return None
        target_span = key_loc.span if key_loc else self.doc.span(path)
        return (
            Expression(target, target_span, target_expr, compile_expr(target_expr, self.functions)),
            Expression(
                text, self.doc.span(path), value_expr, compile_expr(value_expr, self.functions)
            ),
        )
