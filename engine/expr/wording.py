"""Wording helpers for diagnostics: suggestions, short lists, articles."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from engine.expr.types import Type

__all__ = ["ARITH_HINT", "article", "did_you_mean", "listing", "suggest"]

ARITH_HINT = {
    "+": "'+' adds numbers or durations, joins strings, or moves a date/timestamp by a duration",
    "-": "'-' subtracts numbers or durations, or moves a date/timestamp back by a duration",
    "*": "'*' multiplies numbers, or a duration by a whole number",
    "/": "'/' divides numbers",
    "%": "'%' takes the remainder of two numbers",
}


def suggest(word: str, options: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """``"did you mean 'x'? "`` for the closest option, or an empty string."""
    close = suggest(word, options)
    return f"did you mean '{close}'? " if close else ""


def listing(options: Iterable[str], limit: int = 8) -> str:
    items = list(options)
    more = ", ..." if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def article(t: Type) -> str:
    text = t.describe()
    return ("an " if text[0] in "aeiou" else "a ") + text
