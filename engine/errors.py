"""The exception tree and the diagnostic record shared by every stage.

One root, :class:`StatewiseError`; a branch per category. Validators never raise
on the first problem: they return :class:`Diagnostic` values, and
:class:`DefinitionError` carries the whole list.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from engine.source import Span

__all__ = [
    "SKIPPED_CHECKS",
    "DefinitionError",
    "Diagnostic",
    "EvaluationError",
    "ExpressionError",
    "Severity",
    "StatewiseError",
]


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlong = 40

#: Notes that a stage of checks did not run because of earlier errors (W320: nothing after
#: the schema; W410: the graph checks). They sort after a file's other diagnostics.
SKIPPED_CHECKS = frozenset({"W320", "W410"})


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about a definition.

    ``code`` is stable (documented in docs/errors.md); ``path`` is the key path in
    the YAML document, e.g. ``states.pending.on.pay[0].guard``.
    """

    code: str
    severity: Severity
    message: str
    span: Span | None = None
    path: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, int, str]:
        """By file, then position; a note that checks did not run comes last in its file."""
        last = 1 if self.code in SKIPPED_CHECKS else 0
        if self.span is None:
            return ("", last, 0, 0, self.code)
        return (self.span.file, last, self.span.line, self.span.col, self.code)

    def format(self) -> str:
        """``FILE:LINE:COL: CODE message (at path)``, the text format of ``validate``."""
        where = f"{self.span}: " if self.span else ""
        at = f" (at {self.path})" if self.path else ""
        return f"{where}{self.code} {self.message}{at}"


class StatewiseError(Exception):
    """Root of every error statewise raises on purpose."""


class DefinitionError(StatewiseError):
    """A definition could not be loaded; ``diagnostics`` lists every problem found."""

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
        self.diagnostics = tuple(sorted(diagnostics, key=Diagnostic.sort_key))
        errors = [d for d in self.diagnostics if d.is_error]
        head = errors[0].format() if errors else "invalid definition"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(head + more)


class ExpressionError(StatewiseError):
    """A guard or assignment expression is malformed or ill-typed.

    ``diagnostic`` carries the code and the span inside the expression text.
    """

    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic
        super().__init__(diagnostic.format())


def _short(value: Any) -> str:
    """A value as a message shows it: long texts, lists and numbers shortened."""
    try:
        return _REPR.repr(value)
    except ValueError:  # an integer too long to print
        return "<a very long number>"


class EvaluationError(StatewiseError):
    """An expression failed while it ran (a missing optional value, a division by zero).

    Names the expression text and the values it saw, never a bare KeyError.
    """

    def __init__(self, expression: str, reason: str, values: dict[str, Any] | None = None) -> None:
        self.expression = expression
        self.reason = reason
        self.values = dict(values or {})
        seen = ", ".join(f"{k}={_short(v)}" for k, v in self.values.items())
        suffix = f" (values: {seen})" if seen else ""
        super().__init__(f"cannot evaluate `{expression}`: {reason}{suffix}")
