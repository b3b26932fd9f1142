"""Source positions: where a piece of a definition came from.

Every object built from YAML, and every node of a guard expression, carries a
:class:`Span`. Lines and columns are 1-based, as editors show them; the end is
exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Span", "excerpt"]


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source file: ``file:line:col`` up to ``end_line:end_col``."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    @classmethod
    def point(cls, file: str, line: int, col: int) -> Span:
        return cls(file, line, col, line, col + 1)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def within(self, line_offset: int, col: int, end_line_offset: int, end_col: int) -> Span:
        """A span relative to this one: used to place a guard's inner node in the file.

        ``line_offset`` counts lines after this span's first line; on that first line,
        ``col`` is added to this span's column, on later lines it is taken as is.
        """
        line = self.line + line_offset
        c = self.col + col - 1 if line_offset == 0 else col
        end_line = self.line + end_line_offset
        ec = self.col + end_col - 1 if end_line_offset == 0 else end_col
        return Span(self.file, line, c, end_line, ec)


def excerpt(text: str, span: Span) -> str:
    """The source line of ``span`` with a caret line under the marked columns."""
    lines = text.splitlines()
    if not 1 <= span.line <= len(lines):
        return ""
    src = lines[span.line - 1]
    width = span.end_col - span.col if span.end_line == span.line else len(src) - span.col + 1
    width = max(1, width)
    gutter = f"{span.line:>5} | "
    return f"{gutter}{src}\n{' ' * (len(gutter) + span.col - 1)}{'^' * width}"
