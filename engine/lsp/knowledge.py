"""What a chart knows that an editor asks for: the names a reference may use, the type of a
path in an expression, the event data a transition may read, where a name is declared.

Everything here reads the chart the loader built (its draft while the file has errors), so
the editor offers and explains exactly what ``statewise validate`` accepts.
"""

from __future__ import annotations

import re

from engine.expr.types import SYSTEM_EVENT, SYSTEM_EVENT_TYPE, RecordType, Type, strip_optional
from engine.loader.yaml_source import Pointer, format_path
from engine.model import ROOT, Chart, State, Transition

__all__ = [
    "event_type",
    "path_type",
    "reference_of",
    "state_at_path",
    "state_names",
    "trailing_path",
    "transition_at",
    "word_at",
]

_PATH = re.compile(r"[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*\.?$")
_WORD = re.compile(r"[A-Za-z_][\w.]*")


def state_names(chart: Chart) -> dict[str, State]:
    """The shortest reference that names each state (its bare name when unique)."""
    best: dict[str, str] = {}
    for ref, sid in chart.refs.items():
        if sid not in best or len(ref) < len(best[sid]):
            best[sid] = ref
    return {best.get(sid, sid): s for sid, s in chart.states.items() if sid != ROOT}


def reference_of(chart: Chart, ref: str) -> State | None:
    """The state a reference names, if it names exactly one."""
    sid = chart.refs.get(ref, ref)
    return chart.states.get(sid) if sid != ROOT else None


def state_at_path(chart: Chart, path: Pointer) -> State | None:
    """The state whose definition is at ``path`` (``states.a.states.b``) or holds it."""
    ids: list[str] = []
    i = 0
    while i + 1 < len(path) and path[i] == "states" and isinstance(path[i + 1], str):
        ids.append(str(path[i + 1]))
        i += 2
    return chart.states.get(".".join(ids)) if ids else None


def transition_at(chart: Chart, path: Pointer) -> Transition | None:
    """The transition whose definition holds ``path``."""
    where = format_path(path)
    found = [
        t
        for t in chart.transitions()
        if t.path and (where == t.path or where.startswith((t.path + ".", t.path + "[")))
    ]
    return max(found, key=lambda t: len(t.path)) if found else None


def event_type(chart: Chart, path: Pointer) -> RecordType | None:
    """The data of the event the transition at ``path`` reacts to (the fields every one
    of its descriptors declares), if it declares any."""
    t = transition_at(chart, path)
    if t is None or not t.events:
        return None
    found = [e.data for name, e in chart.events.items() if t.accepts(name)]
    if not found:
        return None
    first, *rest = found
    return RecordType(tuple(f for f in first.fields if all(r.field(f.name) == f for r in rest)))


def path_type(chart: Chart, names: list[str], at: Pointer) -> Type | None:
    """The type of a dotted path in an expression at ``at`` (None when it has none)."""
    if not names:
        return None
    head, rest = names[0], names[1:]
    current: Type | None
    if head == "event":
        current = event_type(chart, at)
    elif head == SYSTEM_EVENT:
        current = SYSTEM_EVENT_TYPE
    elif head == "context":
        current = chart.context
    else:
        f = chart.context.field(head)
        current = f.type if f is not None else None
    for name in rest:
        base = strip_optional(current) if current is not None else None
        if not isinstance(base, RecordType):
            return None
        f = base.field(name)
        current = f.type if f is not None else None
    return current


def trailing_path(text: str) -> str:
    """The dotted path being typed at the end of ``text`` (``customer.em``)."""
    found = _PATH.search(text)
    return found.group(0) if found else ""


def word_at(line: str, col: int) -> str | None:
    """The dotted name around column ``col`` (from 1) of ``line``."""
    for m in _WORD.finditer(line):
        if m.start() < col <= m.end() + 1:
            return m.group(0).rstrip(".")
    return None
