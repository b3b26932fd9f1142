"""The lark-free fast path for dotted names builds exactly what lark builds, spans included."""

from __future__ import annotations

import pytest

from engine.expr import ast
from engine.expr.parser import _fast_path, _tree, parse


def _spans(node: ast.Expr) -> list[tuple[str, int, int, int, int]]:
    out = [
        (type(node).__name__, node.span.line, node.span.col, node.span.end_line, node.span.end_col)
    ]
    if isinstance(node, ast.Field):
        out += _spans(node.obj)
    return out


def _locate(offset: int) -> tuple[int, int]:
    return (7, 20 + offset)


@pytest.mark.parametrize(
    "text", ["total", "event.amount", "order.customer.vip", "_x.y_2", "context.a"]
)
def test_fast_path_equals_lark(text: str) -> None:
    fast = _fast_path(text, "f.yaml", _locate)
    assert fast is not None
    _tree.cache_clear()
    slow = parse(f"({text})", file="f.yaml", locate=lambda o: _locate(o - 1))  # forces lark
    assert isinstance(slow, type(fast)) and slow == fast
    assert _spans(slow) == _spans(fast)


@pytest.mark.parametrize("text", ["a.in", "not", "true", "x and y", "a.b.", "1", "a .b", " a"])
def test_fast_path_declines_anything_else(text: str) -> None:
    assert _fast_path(text, "f", _locate) is None
