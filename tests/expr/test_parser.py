"""The parser: spans, the syntax-error examples, unparse round trips, parse_path."""

from __future__ import annotations

import pytest

from engine.errors import ExpressionError
from engine.expr import ast as A
from engine.expr import parse, parse_path, unparse
from engine.expr.ast import NO_SPAN, walk
from engine.expr.syntax import SYNTAX_EXAMPLES

ROUND_TRIPS = [
    "a and b or not c",
    "(a or b) and c",
    "not (a and b)",
    "a - (b - c)",
    "a - b - c",
    "-(a + b) * c",
    "- -a",
    "(a < b) == c",
    "a in [1, 2.50, 'x', null, true]",
    "a not in b",
    "items[0].name",
    "f(a, b)[1]",
    "len(x) % 2 == 0",
    "In('a.b')",
    "1h30m + 2026-01-31 - 1w",
    "2026-01-31T10:00:00Z < 2026-01-31T10:00:00.5+02:00",
    "'it\\'s\\n' + \"q\"",
    "context.a.b",
    "0.0000001",
]


@pytest.mark.parametrize("text", ROUND_TRIPS)
def test_unparse_round_trips(text: str) -> None:
    expr = parse(text)
    canonical = unparse(expr)
    assert parse(canonical) == expr
    assert unparse(parse(canonical)) == canonical


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("a==b", "a == b"), ("((a))", "a"), ('"x"', "'x'"), ("60m", "1h"), ("(-1) * 2", "-1 * 2")],
)
def test_unparse_is_canonical(text: str, canonical: str) -> None:
    assert unparse(parse(text)) == canonical


@pytest.mark.parametrize(
    ("code", "example"), [(code, ex) for code, exs in SYNTAX_EXAMPLES.items() for ex in exs]
)
def test_syntax_examples_get_their_code(code: str, example: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(example)
    assert info.value.diagnostic.code == code


def test_every_node_has_a_span() -> None:
    expr = parse("true and (null == x.y[0]) or In('a') and f(-1, [2])")
    for node in walk(expr):
        assert node.span != NO_SPAN or node.span.col != 1, node
        assert node.span.file == "<expr>"
    literal = next(n for n in walk(expr) if isinstance(n, A.Literal) and n.kind == "null")
    assert (literal.span.col, literal.span.end_col) == (11, 15)


def test_locate_places_nodes_inside_a_yaml_block_scalar() -> None:
    text = "total >=\n  credit_limit and paid"

    def locate(offset: int) -> tuple[int, int]:
        before = text[:offset]
        line = before.count("\n")
        col = offset - (before.rfind("\n") + 1)
        return (20 + line, (9 if line == 0 else 5) + col)

    expr = parse(text, file="chart.yaml", locate=locate)
    spans = {A.unparse(n): n.span for n in walk(expr)}
    assert spans["total"].line == 20 and spans["total"].col == 9
    assert (spans["credit_limit"].line, spans["credit_limit"].col) == (21, 7)
    assert spans["paid"].file == "chart.yaml"
    with pytest.raises(ExpressionError) as info:
        parse("total >=\n  = 3", file="chart.yaml", locate=lambda o: (20 + (o > 8), o))
    assert info.value.diagnostic.span is not None
    assert info.value.diagnostic.span.line == 21


def test_syntax_error_message_names_file_line_and_column() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("status = 'paid'", file="order.yaml")
    assert str(info.value).startswith("order.yaml:1:8: E201 ")


def test_in_with_a_string_literal_is_a_state_test() -> None:
    assert parse("In('a')") == A.InState("a")
    assert isinstance(parse("In(a)"), A.Call)


def test_parse_path_accepts_dotted_paths_only() -> None:
    assert parse_path("order.status") == A.Field(A.Name("order"), "status")
    for bad in ("a + 1", "items[0]", "f(x)", "'x'"):
        with pytest.raises(ExpressionError) as info:
            parse_path(bad)
        assert info.value.diagnostic.code == "E216"


def test_deep_nesting_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError):
        parse("-" * 5000 + "1")
