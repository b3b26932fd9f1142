"""Stage 4b: the state tree: ids, kinds, parents, and how references resolve.

State names are the keys of ``states``; a state's id is its dotted path. A reference
(``target``, ``initial``, ``In('...')``) may be any unique suffix of an id: the bare name
when it is unique, or more of the path when it is not.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from engine.errors import Diagnostic, Severity
from engine.loader.yaml_source import Document, Pointer, format_path
from engine.model import ROOT, StateKind
from engine.source import Span

__all__ = ["StateRefs", "StateSkeleton", "collect_states"]


@dataclass(slots=True)
class StateSkeleton:
    """A state before its transitions and actions are built."""

    id: str
    name: str
    kind: StateKind
    parent: str | None
    data: dict[str, Any]
    path: Pointer
    depth: int
    order: int
    span: Span | None
    children: list[str] = field(default_factory=list)


class StateRefs:
    """Resolves references to state ids; knows every unambiguous reference."""

    def __init__(self, ids: list[str]) -> None:
        self._by_suffix: dict[str, list[str]] = {}
        for sid in ids:
            parts = sid.split(".")
            for i in range(len(parts)):
                self._by_suffix.setdefault(".".join(parts[i:]), []).append(sid)
        self.ids = ids

    def unique(self) -> dict[str, str]:
        """Every reference that names exactly one state -> that state's id."""
        return {ref: ids[0] for ref, ids in self._by_suffix.items() if len(ids) == 1}

    def resolve(self, ref: str) -> tuple[str | None, str | None]:
        """(state id, None) or (None, a message saying what is wrong and what was expected)."""
        found = self._by_suffix.get(ref, [])
        if len(found) == 1:
            return found[0], None
        if len(found) > 1:
            return None, (
                f"state reference '{ref}' is ambiguous: it could be "
                + ", ".join(f"'{c}'" for c in found)
                + "; expected enough of the path to name one state"
            )
        close = difflib.get_close_matches(ref, list(self._by_suffix), n=3)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        return None, f"unknown state '{ref}'{hint}; expected the name of a state in this chart"


def _kind(data: dict[str, Any]) -> StateKind | None:
    given = data.get("type")
    if isinstance(given, str):
        try:
            return StateKind(given)
        except ValueError:
            return None  # reported by the schema
    children = data.get("states")
    return StateKind.COMPOUND if isinstance(children, dict) and children else StateKind.ATOMIC


class _Collector:
    def __init__(self, doc: Document, diagnostics: list[Diagnostic]) -> None:
        self.doc = doc
        self.diagnostics = diagnostics
        self.states: dict[str, StateSkeleton] = {}

    def error(self, code: str, message: str, path: Pointer) -> None:
        self.diagnostics.append(
            Diagnostic(
                code, Severity.ERROR, message, self.doc.span(path, key=True), format_path(path)
            )
        )

    def walk(self, states: Any, parent: StateSkeleton, path: Pointer) -> None:
        if not isinstance(states, dict):
            return
        for name, data in states.items():
            spath: Pointer = (*path, name)
            if not isinstance(data, dict):
                data = {} if data is None else data
            if not isinstance(data, dict):
                continue  # reported by the schema
            kind = _kind(data)
            if kind is None:
                continue
            sid = name if parent.id == ROOT else f"{parent.id}.{name}"
            sk = StateSkeleton(
                id=sid,
                name=name,
                kind=kind,
                parent=parent.id,
                data=data,
                path=spath,
                depth=parent.depth + 1,
                order=len(self.states),
                span=self.doc.span(spath, key=True),
            )
            self.states[sid] = sk
            parent.children.append(sid)
            self.check_shape(sk, parent)
            self.walk(data.get("states"), sk, (*spath, "states"))

    def check_shape(self, sk: StateSkeleton, parent: StateSkeleton) -> None:
        data, path = sk.data, sk.path
        has_children = isinstance(data.get("states"), dict) and bool(data.get("states"))
        if sk.kind in (StateKind.COMPOUND, StateKind.PARALLEL) and not has_children:
            self.error(
                "E305",
                f"a {sk.kind.value} state needs child states; expected `states:` with at least one state",
                path,
            )
        if sk.kind in (StateKind.ATOMIC, StateKind.FINAL, StateKind.HISTORY) and has_children:
            self.error(
                "E305",
                f"a {sk.kind.value} state cannot have child states; expected no `states:` "
                "(or `type: compound`/`parallel`)",
                path,
            )
        if sk.kind is StateKind.FINAL:
            for key in ("on", "always", "after", "invoke"):
                if data.get(key):
                    self.error(
                        "E306",
                        f"a final state cannot have `{key}`; expected no way out of a final state",
                        (*path, key),
                    )
        if sk.kind is StateKind.HISTORY and parent.kind not in (
            StateKind.COMPOUND,
            StateKind.PARALLEL,
        ):
            self.error(
                "E304",
                "a history state must be the child of a compound or parallel state; "
                "expected it inside a state with `states:`",
                path,
            )
        if sk.kind is StateKind.HISTORY and parent.id == ROOT:
            self.error(
                "E304",
                "a history state cannot sit at the top level; expected it inside a compound state",
                path,
            )
        if sk.kind is not StateKind.HISTORY:
            for key in ("history", "target"):
                if key in data:
                    self.error(
                        "E304",
                        f"`{key}` is only for history states; expected `type: history`",
                        (*path, key),
                    )
        if sk.kind is StateKind.PARALLEL and "initial" in data:
            self.error(
                "E303",
                "a parallel state enters all its regions; expected no `initial`",
                (*path, "initial"),
            )


def collect_states(doc: Document, diagnostics: list[Diagnostic]) -> dict[str, StateSkeleton]:
    """The root and every state of the document, in document order."""
    root = StateSkeleton(
        id=ROOT,
        name=str(doc.data.get("id", "chart")),
        kind=StateKind.COMPOUND,
        parent=None,
        data=doc.data,
        path=(),
        depth=0,
        order=0,
        span=doc.span(()),
    )
    c = _Collector(doc, diagnostics)
    c.states[ROOT] = root
    c.walk(doc.data.get("states"), root, ("states",))
    return c.states
