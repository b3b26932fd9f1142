"""Text -> expression tree. The only module that imports lark.

The grammar lives in ``guard.lark``; it is loaded once (LALR, strict) and cached.
The transformer only builds :mod:`engine.expr.ast` nodes: it never evaluates and
never raises; literal problems (a 30th of February, a bad escape) are collected and
reported after the transform. lark's ``UnexpectedInput`` becomes an
:class:`ExpressionError` whose message says what is wrong and what was expected;
common mistakes get their own codes through ``match_examples`` (STYLE lesson 6).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.tree import Meta, Tree

from engine.errors import Diagnostic, ExpressionError, Severity
from engine.expr import ast, codes
from engine.expr.syntax import SYNTAX_EXAMPLES, WORDS, duration_value, unescape, unmatched
from engine.source import Span

#: the longest expression text (guard, assignment, delay) parsed
MAX_EXPRESSION_CHARS = 10_000

__all__ = ["MAX_EXPRESSION_CHARS", "SYNTAX_EXAMPLES", "Locate", "parse", "parse_path"]

Locate = Callable[[int], tuple[int, int]]


class _KeepTypo:
    """A no-op post-lexer whose only job is to keep the ``EQ_TYPO`` terminal lexable."""

    always_accept = ("EQ_TYPO",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return stream


@cache
def _parser() -> Lark:
    # lexer="basic": the contextual lexer would read `a inx` as `a in x`, because only
    # keywords are acceptable after a name; the basic lexer sees the whole word `inx`.
    return Lark.open_from_package(
        "engine.expr",
        "guard.lark",
        parser="lalr",
        lexer="basic",
        strict=True,
        propagate_positions=True,
        maybe_placeholders=True,
        postlex=_KeepTypo(),
    )


def _default_locate(offset: int) -> tuple[int, int]:
    return (1, offset + 1)


@v_args(meta=True)
class _Build(Transformer[Token, ast.Expr]):
    """lark tree -> ast nodes. Never raises: problems go to ``self.problems``."""

    def __init__(self, file: str, locate: Locate) -> None:
        super().__init__()
        self.file = file
        self.locate = locate
        self.problems: list[Diagnostic] = []

    def _span(self, start: int, end: int) -> Span:
        line, col = self.locate(start)
        end_line, end_col = self.locate(end)
        return Span(self.file, line, col, end_line, end_col)

    def _m(self, meta: Meta) -> Span:
        if meta.empty:
            return ast.NO_SPAN
        return self._span(meta.start_pos, meta.end_pos)

    def _tok(self, token: Token) -> Span:
        start = token.start_pos or 0
        return self._span(start, token.end_pos if token.end_pos is not None else start + 1)

    def _bad(self, token: Token, what: str) -> ast.Expr:
        span = self._tok(token)
        self.problems.append(
            Diagnostic(codes.BAD_LITERAL, Severity.ERROR, f"{token!s} is not {what}", span)
        )
        return ast.Literal(None, "null", span)

    # operators -------------------------------------------------------------
    def or_op(self, meta: Meta, c: list[ast.Expr]) -> ast.Expr:
        return ast.Binary("or", c[0], c[1], self._m(meta))

    def and_op(self, meta: Meta, c: list[ast.Expr]) -> ast.Expr:
        return ast.Binary("and", c[0], c[1], self._m(meta))

    def not_op(self, meta: Meta, c: list[ast.Expr]) -> ast.Expr:
        return ast.Unary("not", c[0], self._m(meta))

    def neg(self, meta: Meta, c: list[Any]) -> ast.Expr:
        return ast.Unary("-", c[1], self._m(meta))

    def compare(self, meta: Meta, c: list[Any]) -> ast.Expr:
        return ast.Binary(str(c[1]), c[0], c[2], self._m(meta))  # type: ignore[arg-type]

    def binary(self, meta: Meta, c: list[Any]) -> ast.Expr:
        return ast.Binary(str(c[1]), c[0], c[2], self._m(meta))  # type: ignore[arg-type]

    def in_op(self, meta: Meta, c: list[ast.Expr]) -> ast.Expr:
        return ast.Binary("in", c[0], c[1], self._m(meta))

    def not_in_op(self, meta: Meta, c: list[ast.Expr]) -> ast.Expr:
        return ast.Binary("not in", c[0], c[1], self._m(meta))

    # postfix and atoms -----------------------------------------------------
    def index(self, meta: Meta, c: list[ast.Expr]) -> ast.Expr:
        return ast.Index(c[0], c[1], self._m(meta))

    def field(self, meta: Meta, c: list[Any]) -> ast.Expr:
        return ast.Field(c[0], str(c[1]), self._m(meta))

    def name(self, meta: Meta, c: list[Token]) -> ast.Expr:
        return ast.Name(str(c[0]), self._m(meta))

    def arguments(self, meta: Meta, c: list[ast.Expr]) -> tuple[ast.Expr, ...]:
        return tuple(c)

    def call(self, meta: Meta, c: list[Any]) -> ast.Expr:
        name = str(c[0])
        args: tuple[ast.Expr, ...] = c[1] or ()
        if name == "In" and len(args) == 1:
            arg = args[0]
            if isinstance(arg, ast.Literal) and arg.kind == "string":
                return ast.InState(str(arg.value), self._m(meta), arg.span)
        return ast.Call(name, args, self._m(meta))

    def list_lit(self, meta: Meta, c: list[Any]) -> ast.Expr:
        return ast.ListLit(c[0] or (), self._m(meta))

    # literals --------------------------------------------------------------
    def integer(self, meta: Meta, c: list[Token]) -> ast.Expr:
        if len(c[0]) > 4000:
            return self._bad(c[0], "a number this engine can handle (too many digits)")
        return ast.Literal(int(c[0]), "integer", self._m(meta))

    def decimal(self, meta: Meta, c: list[Token]) -> ast.Expr:
        if len(c[0]) > 4000:
            return self._bad(c[0], "a number this engine can handle (too many digits)")
        return ast.Literal(Decimal(str(c[0])), "decimal", self._m(meta))

    def string(self, meta: Meta, c: list[Token]) -> ast.Expr:
        value = unescape(str(c[0])[1:-1])
        if value is None:
            return self._bad(
                c[0], "a valid string; known escapes are \\n \\t \\r \\\\ \\' \\\" \\uXXXX"
            )
        return ast.Literal(value, "string", self._m(meta))

    def true(self, meta: Meta, c: list[Token]) -> ast.Expr:
        return ast.Literal(True, "boolean", self._m(meta))

    def false(self, meta: Meta, c: list[Token]) -> ast.Expr:
        return ast.Literal(False, "boolean", self._m(meta))

    def null(self, meta: Meta, c: list[Token]) -> ast.Expr:
        return ast.Literal(None, "null", self._m(meta))

    def duration(self, meta: Meta, c: list[Token]) -> ast.Expr:
        try:
            total = duration_value(str(c[0]))
        except (OverflowError, ValueError):
            return self._bad(c[0], "a duration this engine can handle (too long)")
        return ast.Literal(total, "duration", self._m(meta))

    def date(self, meta: Meta, c: list[Token]) -> ast.Expr:
        try:
            value = date.fromisoformat(str(c[0]))
        except ValueError:
            return self._bad(c[0], "a valid date (YYYY-MM-DD)")
        return ast.Literal(value, "date", self._m(meta))

    def timestamp(self, meta: Meta, c: list[Token]) -> ast.Expr:
        try:
            value = datetime.fromisoformat(str(c[0]))
        except ValueError:
            return self._bad(c[0], "a valid timestamp (YYYY-MM-DDTHH:MM:SSZ)")
        return ast.Literal(value, "timestamp", self._m(meta))


def _error(code: str, message: str, span: Span) -> ExpressionError:
    return ExpressionError(Diagnostic(code, Severity.ERROR, message, span))


def _describe(err: UnexpectedInput, text: str) -> tuple[int, str]:
    """Where the parser stopped, and what it found there, in words."""
    if isinstance(err, UnexpectedCharacters):
        pos = err.pos_in_stream or 0
        return pos, f"character {text[pos : pos + 1]!r}"
    if isinstance(err, UnexpectedToken) and err.token.type != "$END":
        return err.token.start_pos or 0, f"{str(err.token)!r}"
    return len(text), "end of expression"


def _acceptable(err: UnexpectedInput) -> set[str]:
    """The terminal names the parser would have accepted where it stopped."""
    if isinstance(err, UnexpectedToken):
        return set(err.accepts or err.expected)
    if isinstance(err, UnexpectedEOF):
        return set(err.expected)
    if isinstance(err, UnexpectedCharacters):
        return set(err.allowed or ())
    return set()


def _expected(err: UnexpectedInput) -> str:
    names = _acceptable(err)
    words = sorted({WORDS.get(n, n.lower()) for n in names if n != "EQ_TYPO"})
    if len(words) > 6:
        words = [*words[:6], "..."]
    return ", ".join(words) if words else "something else"


def _syntax_error(text: str, err: UnexpectedInput, file: str, locate: Locate) -> ExpressionError:
    offset, found = _describe(err, text)

    def span_at(pos: int, width: int = 1) -> Span:
        return Span(file, *locate(pos), *locate(pos + width))

    if isinstance(err, UnexpectedCharacters):
        char = text[offset : offset + 1]
        message = (
            f"this string is never closed; expected a closing {char} on the same line"
            if char in "'\""
            else f"character {char!r} cannot be used in an expression; expected names, "
            "numbers, 'strings' and operators such as == + and"
        )
        return _error(codes.SYNTAX, message, span_at(offset))
    label = None
    if err.state is not None:
        try:  # use_accepts=True trips a logging bug in lark 1.3 (formats a ParserState as %d)
            label = err.match_examples(
                _parser().parse,
                SYNTAX_EXAMPLES.items(),
                token_type_match_fallback=True,
                use_accepts=False,
            )
        except TypeError:
            label = None
    token = err.token if isinstance(err, UnexpectedToken) else None
    open_bracket = unmatched(text)
    accepts = _acceptable(err)
    wants_operand = bool(accepts & {"NAME", "INT"})
    # match_examples also answers on a mere same-state match: confirm each label
    # against the text before trusting it.
    if token is not None and token.type == "EQ_TYPO":
        label = codes.EQUALS_TYPO
    elif open_bracket is not None:
        label = codes.UNBALANCED
    elif label in (codes.EQUALS_TYPO, codes.UNBALANCED):
        label = None
    if accepts == {"NAME"}:
        return _error(
            codes.SYNTAX, f"found {found} after '.'; expected a field name", span_at(offset)
        )
    if label is None and wants_operand and not isinstance(err, UnexpectedCharacters):
        label = codes.MISSING_OPERAND
    if label == codes.MISSING_OPERAND and not wants_operand:
        label = None
    if label == codes.EQUALS_TYPO:
        return _error(
            label, "'=' is not a comparison; use '==' to compare two values", span_at(offset)
        )
    if label == codes.UNBALANCED and open_bracket is not None:
        pos, ch = open_bracket
        msg = (
            f"'{ch}' is never closed; expected a matching '{')' if ch == '(' else ']'}'"
            if ch in "(["
            else f"'{ch}' has no matching '{'(' if ch == ')' else '['}'"
        )
        return _error(label, msg, span_at(pos))
    if label == codes.MISSING_OPERAND:
        return _error(
            label,
            f"missing operand: found {found} where a value was expected "
            "(a name, a number, a string or a parenthesised expression)",
            span_at(offset),
        )
    hint = ""
    if token is not None and token.type in ("COMP_OP", "IN") and "COMP_OP" not in accepts:
        hint = "; comparisons do not chain, join them with 'and' (a < b and b < c)"
    return _error(
        codes.SYNTAX, f"unexpected {found}; expected {_expected(err)}{hint}", span_at(offset)
    )


#: A bare name or dotted path (``total``, ``event.amount``): parsed without lark.
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})


@lru_cache(maxsize=4096)
def _tree(text: str) -> Tree[Token]:
    """lark's parse tree of ``text``; charts repeat expressions, so trees are reused.

    The tree holds offsets only; spans are computed per use by the transformer.
    """
    return _parser().parse(text)


def _fast_path(text: str, file: str, where: Locate) -> ast.Expr | None:
    """The same nodes lark would build for a plain dotted path, or None."""
    if _PATH.match(text) is None:
        return None
    parts = text.split(".")
    if any(p in _KEYWORDS for p in parts):
        return None
    end = len(parts[0])
    node: ast.Expr = ast.Name(parts[0], Span(file, *where(0), *where(end)))
    for part in parts[1:]:
        end += 1 + len(part)
        node = ast.Field(node, part, Span(file, *where(0), *where(end)))
    return node


def parse(text: str, *, file: str = "<expr>", locate: Locate | None = None) -> ast.Expr:
    """Parse an expression. Raises :class:`ExpressionError` on the first syntax error.

    An expression longer than :data:`MAX_EXPRESSION_CHARS` is refused (E014) before it is
    parsed: parsing is linear, but a megabyte guard would still take seconds and hundreds
    of megabytes of parse tree.
    """
    where = locate or _default_locate
    if len(text) > MAX_EXPRESSION_CHARS:
        raise _error(
            "E014",
            f"the expression is {len(text):,} characters long; expected at most "
            f"{MAX_EXPRESSION_CHARS:,} (split it into several guards or context fields)",
            Span(file, *where(0), *where(1)),
        )
    fast = _fast_path(text, file, where)
    if fast is not None:
        return fast
    if not text.strip():
        span = Span(file, *where(0), *where(max(1, len(text))))
        raise _error(
            codes.MISSING_OPERAND, "empty expression; expected a value or a condition", span
        )
    try:
        tree = _tree(text)
    except UnexpectedInput as err:
        raise _syntax_error(text, err, file, where) from None
    builder = _Build(file, where)
    try:
        result = builder.transform(tree)
    except RecursionError:
        raise _error(
            codes.SYNTAX,
            "expression is nested too deeply; simplify it",
            Span(file, *where(0), *where(len(text))),
        ) from None
    if builder.problems:
        raise ExpressionError(builder.problems[0])
    if not isinstance(result, ast.Expr):  # pragma: no cover - the grammar always yields nodes
        raise _error(codes.SYNTAX, "not an expression", Span(file, *where(0), *where(len(text))))
    return result


def parse_path(text: str, *, file: str = "<expr>", locate: Locate | None = None) -> ast.Expr:
    """Parse an assignment target: a dotted path such as ``order.status``."""
    node = parse(text, file=file, locate=locate)
    if ast.path_of(node) is None:
        raise _error(
            codes.BAD_TARGET,
            f"cannot assign to '{ast.unparse(node)}'; expected a context field path "
            "such as 'status' or 'order.status'",
            node.span,
        )
    return node
