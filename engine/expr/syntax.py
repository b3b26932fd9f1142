"""Lark-free helpers of the parser: error examples and words, literal decoding."""

from __future__ import annotations

import re
from datetime import timedelta

from engine.expr import codes

__all__ = ["SYNTAX_EXAMPLES", "WORDS", "duration_value", "unescape", "unmatched"]

#: Broken inputs, by the code they stand for; ``match_examples`` compares parser states.
#: They double as test cases (tests/expr/test_parser.py).
SYNTAX_EXAMPLES: dict[str, list[str]] = {
    codes.EQUALS_TYPO: [
        "a = 1",
        "a.b = 1",
        "a[0] = 1",
        "f(a) = 1",
        "1 = 1",
        "'a' = b",
        "(a) = b",
        "a == b and c = 1",
        "not a = b",
        "a = ",
        "a + 1 = 2",
    ],
    codes.MISSING_OPERAND: [
        "a ==",
        "a and",
        "a or",
        "not",
        "a +",
        "a *",
        "a -",
        "== a",
        "a == and b",
        "a in",
        "a not in",
        "f(a,)",
        "(a +)",
        "a and or b",
        "-",
        "a < ",
        "[1,]",
        "* a",
    ],
    codes.UNBALANCED: ["(a", "(a == b", "f(a", "[1, 2", "a)", "(a))", "a]", "f(a))", "((a)"],
}

WORDS = {
    "NAME": "a name",
    "INT": "a number",
    "DECIMAL": "a number",
    "STRING": "a string",
    "DATE": "a date",
    "TIMESTAMP": "a timestamp",
    "DURATION": "a duration",
    "COMP_OP": "a comparison such as '=='",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "MUL_OP": "'*'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "DOT": "'.'",
    "AND": "'and'",
    "OR": "'or'",
    "NOT": "'not'",
    "IN": "'in'",
    "TRUE": "true",
    "FALSE": "false",
    "NULL": "null",
    "$END": "the end of the expression",
}


def unescape(body: str) -> str | None:
    out: list[str] = []
    i = 0
    simple = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "0": "\0"}
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in simple:
            out.append(simple[nxt])
            i += 2
        elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2 : i + 6]):
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        else:
            return None
    return "".join(out)


_DURATION_PART = re.compile(r"(\d+)(ms|[wdhms])")
_UNIT = {
    "w": "weeks",
    "d": "days",
    "h": "hours",
    "m": "minutes",
    "s": "seconds",
    "ms": "milliseconds",
}


def unmatched(text: str) -> tuple[int, str] | None:
    """Offset and character of the first bracket that has no partner, strings skipped."""
    stack: list[tuple[int, str]] = []
    pairs = {")": "(", "]": "["}
    for m in re.finditer(r"'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"|[()\[\]]", text):
        ch = m.group()
        if ch in "([":
            stack.append((m.start(), ch))
        elif ch in pairs:
            if not stack or stack[-1][1] != pairs[ch]:
                return (m.start(), ch)
            stack.pop()
    return stack[-1] if stack else None


def duration_value(text: str) -> timedelta:
    """``1h30m`` -> timedelta; raises OverflowError/ValueError when too long."""
    total = timedelta()
    for count, unit in _DURATION_PART.findall(text):
        total += timedelta(**{_UNIT[unit]: int(count)})
    return total
