"""The size bounds of a YAML document, checked on the event stream before a tree is built.

A definition is refused early, with a position, when it

* is longer than :data:`~engine.loader.files.MAX_DEFINITION_BYTES` (E010),
* expands to more than :data:`MAX_NODES` nodes, aliases counted at their expanded size
  (E003: a "billion laughs" file, or simply a huge one),
* nests lists and mappings deeper than :data:`MAX_DEPTH` (E012).

The check reads PyYAML's event stream once, which builds no nodes, so memory stays small
whatever the file holds. It runs only when the text could break a bound: a document
shorter than ``2 * MAX_NODES`` characters without aliases has fewer than ``MAX_NODES``
nodes (each node takes at least two characters), and the depth is also checked while the
tree is built (:mod:`engine.loader.yaml_source`).
"""

from __future__ import annotations

from typing import Any

import yaml

from engine.errors import Diagnostic, Severity
from engine.source import Span

__all__ = ["MAX_DEPTH", "MAX_NODES", "depth_problem", "needs_stream_check", "stream_problem"]

#: How many nodes a document may expand to (aliases included) before it is refused.
MAX_NODES = 200_000
#: How deeply lists and mappings may nest (a deeply nested chart is ~20 levels).
MAX_DEPTH = 64


def depth_problem(file: str, line: int, col: int) -> Diagnostic:
    return Diagnostic(
        "E012",
        Severity.ERROR,
        f"lists and mappings nest more than {MAX_DEPTH} levels deep here; expected a "
        "flatter definition",
        Span.point(file, line, col),
    )


def _too_many(file: str, mark: Any, alias: str | None) -> Diagnostic:
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    if alias is not None:
        return Diagnostic(
            "E003",
            Severity.ERROR,
            f"the alias *{alias} makes the document expand to more than {MAX_NODES} nodes "
            "(aliases included); expected a definition without runaway anchors/aliases",
            Span(file, line, col, line, col + 1 + len(alias)),
        )
    return Diagnostic(
        "E003",
        Severity.ERROR,
        f"the document has more than {MAX_NODES} nodes; expected a smaller definition "
        "(split it into charts, or move data out of it)",
        Span.point(file, line, col),
    )


def needs_stream_check(text: str) -> bool:
    return len(text) > 2 * MAX_NODES or ("&" in text and "*" in text)


def stream_problem(text: str, file: str, loader: type) -> Diagnostic | None:
    """E003 or E012 at the event where the document breaks a bound, else None.

    Keeps the expanded size of every anchor, so an alias counts as many nodes as it
    stands for. Syntax errors are left to the composer, which reports them with context.
    """
    if not needs_stream_check(text):
        return None
    sizes: dict[str, int] = {}
    starts: list[tuple[str | None, int]] = []
    total = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.AliasEvent):
                total += sizes.get(event.anchor or "", 1)
                if total > MAX_NODES:
                    return _too_many(file, event.start_mark, event.anchor or "")
            elif isinstance(event, yaml.ScalarEvent):
                total += 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                starts.append((event.anchor, total))
                total += 1
                if len(starts) > MAX_DEPTH:
                    m = event.start_mark
                    at = (m.line + 1, m.column + 1) if m is not None else (1, 1)
                    return depth_problem(file, *at)
            elif isinstance(event, yaml.CollectionEndEvent) and starts:
                anchor, start = starts.pop()
                if anchor:
                    sizes[anchor] = total - start
            else:
                continue
            if total > MAX_NODES:
                return _too_many(file, event.start_mark, None)
    except yaml.YAMLError:
        return None  # the composer reports syntax errors with their positions
    return None
