"""The one place positions are converted between statewise and the LSP client.

statewise counts lines and columns from 1, in characters (:class:`engine.source.Span`, end
exclusive); LSP counts from 0, in the units the client chose (UTF-16 by default). pygls's
position codec converts character offsets to client units with the document's lines.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace import PositionCodec

from engine.source import Span

__all__ = ["from_client", "to_range"]


def to_range(span: Span | None, lines: Sequence[str], codec: PositionCodec) -> types.Range:
    """The LSP range of ``span`` (the file's first character when there is none)."""
    if span is None:
        return types.Range(types.Position(0, 0), types.Position(0, 1))
    start = types.Position(max(0, span.line - 1), max(0, span.col - 1))
    end = types.Position(max(0, span.end_line - 1), max(0, span.end_col - 1))
    return codec.range_to_client_units(list(lines), types.Range(start, end))


def from_client(
    position: types.Position, lines: Sequence[str], codec: PositionCodec
) -> tuple[int, int]:
    """(line, column) of an LSP position, both from 1, in characters."""
    found = codec.position_from_client_units(list(lines), position)
    return found.line + 1, found.character + 1
