"""Hover: a state's label and description, an expression path's type, a function's
signature, and what a diagnostic code means."""

from __future__ import annotations

from engine.expr import default_functions
from engine.expr.types import SYSTEM_EVENT
from engine.lsp.context import Kind, Spot
from engine.lsp.knowledge import path_type, reference_of, state_at_path, word_at
from engine.model import Chart, State

__all__ = ["hover_text"]


def _state(state: State) -> str:
    text = f"**{state.label}** `{state.id}` ({state.kind.value} state)"
    if state.meta.description:
        text += f"\n\n{state.meta.description}"
    extra = [f"queue: {state.meta.queue}"] if state.meta.queue else []
    extra += [f"tags: {', '.join(state.meta.tags)}"] if state.meta.tags else []
    return text + ("\n\n" + "; ".join(extra) if extra else "")


def hover_text(chart: Chart, spot: Spot, line: str, col: int) -> str | None:
    """Markdown for what is under the cursor, or None."""
    if spot.is_key and len(spot.path) >= 2 and spot.path[-2] == "states":
        state = state_at_path(chart, spot.path)
        return _state(state) if state is not None else None
    word = word_at(line, col)
    if word is None:
        return None
    if spot.kind is Kind.STATE:
        state = reference_of(chart, word)
        return _state(state) if state is not None else None
    if spot.kind is not Kind.EXPRESSION:
        return None
    fn = default_functions().get(word)
    if fn is not None:
        return f"`{fn.describe()}`" + (f"\n\n{fn.doc}" if fn.doc else "")
    names = word.split(".")
    found = path_type(chart, names, spot.path)
    if found is None:
        return None
    where = {"event": "event data", SYSTEM_EVENT: "the current event"}.get(names[0], "context")
    return f"`{word}`: {found.describe()} ({where})"
