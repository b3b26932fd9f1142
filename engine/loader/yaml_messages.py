"""Friendly YAML syntax errors (E001), placed where a person would look."""

from __future__ import annotations

import yaml

from engine.errors import Diagnostic, Severity
from engine.source import Span

__all__ = ["syntax_error"]


def syntax_error(exc: yaml.MarkedYAMLError, text: str, file: str) -> Diagnostic:
    """E001 at the place a person would look, not where the parser gave up.

    Two common slips are recognised: a key written without its colon (the parser only
    notices on a later line) and a quote that is never closed (noticed at the end of
    the file); both are reported where they start.
    """
    problem = exc.problem or "invalid YAML"
    mark = exc.problem_mark or exc.context_mark
    if exc.context and "quoted scalar" in exc.context and exc.context_mark is not None:
        m = exc.context_mark
        return Diagnostic(
            "E001",
            Severity.ERROR,
            "YAML syntax error: a quoted text starting here is never closed; "
            "expected a closing quote on the same line",
            Span.point(file, m.line + 1, m.column + 1),
        )
    if mark is not None and "mapping values are not allowed" in problem:
        lines = text.splitlines()
        prev = mark.line - 1
        while prev >= 0 and (not lines[prev].strip() or lines[prev].lstrip().startswith("#")):
            prev -= 1
        if prev >= 0 and ":" not in lines[prev] and not lines[prev].lstrip().startswith("-"):
            word = lines[prev].strip()
            col = len(lines[prev].rstrip()) + 1
            return Diagnostic(
                "E001",
                Severity.ERROR,
                f"YAML syntax error: '{word}' has no ':' after it; expected '{word}:' "
                "(a key and its colon)",
                Span.point(file, prev + 1, col),
            )
    span = Span.point(file, mark.line + 1, mark.column + 1) if mark else None
    ctx = f" ({exc.context})" if exc.context else ""
    return Diagnostic("E001", Severity.ERROR, f"YAML syntax error: {problem}{ctx}", span)
