"""Go to definition (a target state, an included fragment, a template and its file) and
the document's symbols (its state tree)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.loader.yaml_source import Document, format_path
from engine.lsp.context import Kind, Spot
from engine.lsp.knowledge import reference_of, word_at
from engine.model import ROOT, Chart, State
from engine.source import Span

__all__ = ["StateSymbol", "Target", "definition", "state_symbols"]

#: where a definition is: a file and the span in it (None: the start of the file)
Target = tuple[str, Span | None]


def definition(chart: Chart, doc: Document, spot: Spot, line: str, col: int) -> Target | None:
    """Where the reference under the cursor is defined."""
    if spot.kind is Kind.FILE and spot.span is not None:
        loc = doc.values.get(spot.path)
        name = line[spot.span.col - 1 : spot.span.end_col - 1].strip("'\" ")
        if loc is not None and name:
            target = (Path(doc.file).parent / name).resolve()
            return (str(target), None) if target.is_file() else None
    word = word_at(line, col)
    if word is None:
        return None
    if spot.kind is Kind.STATE or (spot.kind is Kind.EXPRESSION and f"In('{word}')" in line):
        state = reference_of(chart, word)
        return (state.span.file, state.span) if state is not None and state.span else None
    if spot.kind is Kind.TEMPLATE:
        decl = chart.templates.get(word)
        if decl is not None and decl.span is not None:
            return decl.span.file, decl.span
    return None


@dataclass(frozen=True, slots=True)
class StateSymbol:
    """A state as an outline entry: its name, what it is, where it is, its children."""

    state: State
    whole: Span  # the key and its value
    key: Span
    children: tuple[StateSymbol, ...]


def state_symbols(chart: Chart, doc: Document) -> list[StateSymbol]:
    """The state tree of the states defined in ``doc``'s file, in document order."""
    spans = {format_path(p): loc.span for p, loc in doc.values.items()}

    def build(state: State) -> StateSymbol | None:
        key = state.span
        if key is None or key.file != doc.file:
            return None
        children = tuple(s for s in (build(chart.states[c]) for c in state.children) if s)
        value = spans.get(state.path, key)
        end = (
            (value.end_line, value.end_col)
            if value.end_line >= key.end_line
            else (
                key.end_line,
                key.end_col,
            )
        )
        whole = Span(key.file, key.line, key.col, *end)
        return StateSymbol(state, whole, key, children)

    root = chart.states[ROOT]
    return [s for s in (build(chart.states[c]) for c in root.children) if s]
