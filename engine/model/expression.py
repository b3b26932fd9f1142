"""An expression as it sits in a chart: source text, span, parsed tree and compiled form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.source import Span

if TYPE_CHECKING:
    from engine.expr import Compiled, Expr

__all__ = ["Expression"]


@dataclass(frozen=True, slots=True)
class Expression:
    """A guard, an assignment value, a delay or a recipient, compiled once at load time."""

    text: str
    span: Span | None
    expr: Expr = field(compare=False, repr=False)
    compiled: Compiled = field(compare=False, repr=False)

    def __call__(self, scope: Any) -> Any:
        return self.compiled(scope)

    def __str__(self) -> str:
        return self.text
