"""States of a chart and their metadata for people."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from engine.model.actions import Action
from engine.model.expression import Expression
from engine.model.transitions import Transition
from engine.source import Span

__all__ = ["ROOT", "HistoryKind", "Invoke", "State", "StateKind", "StateMeta"]

#: The id of the implicit root state that holds the chart's top-level states.
ROOT = ""


class StateKind(StrEnum):
    ATOMIC = "atomic"
    COMPOUND = "compound"
    PARALLEL = "parallel"
    FINAL = "final"
    HISTORY = "history"


class HistoryKind(StrEnum):
    SHALLOW = "shallow"
    DEEP = "deep"


@dataclass(frozen=True, slots=True)
class StateMeta:
    """What people see; never read by the semantics."""

    label: str | None = None
    description: str | None = None
    queue: str | None = None
    code: str | None = None
    tags: tuple[str, ...] = ()
    terminal: bool = False


@dataclass(frozen=True, slots=True)
class Invoke:
    """A task started on entry to a state; its outcome arrives as ``done.invoke.<task>``."""

    task: str
    input: tuple[tuple[str, Expression], ...] = ()
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class State:
    """One state. ``id`` is the dotted path from the top (``fulfilment.packing``).

    ``transitions`` are in document order. For a history state they hold its default
    transition (no event), with the actions it runs when there is no history yet.
    ``initial`` are the targets of a compound state's (or the root's) initial transition:
    one child, states in different regions of a parallel descendant, or a history state;
    ``initial_actions`` run after the state's entry actions when it is entered by default.
    ``order`` is the state's document order (entry order).
    """

    id: str
    name: str
    kind: StateKind
    parent: str | None
    children: tuple[str, ...] = ()
    initial: tuple[str, ...] = ()
    initial_actions: tuple[Action, ...] = ()
    transitions: tuple[Transition, ...] = ()
    entry: tuple[Action, ...] = ()
    exit: tuple[Action, ...] = ()
    invoke: tuple[Invoke, ...] = ()
    history: HistoryKind | None = None
    ignore: tuple[str, ...] = ()
    meta: StateMeta = StateMeta()
    depth: int = 0
    order: int = 0
    span: Span | None = None
    path: str = ""

    @property
    def is_atomic(self) -> bool:
        return self.kind in (StateKind.ATOMIC, StateKind.FINAL)

    @property
    def is_compound(self) -> bool:
        return self.kind is StateKind.COMPOUND

    @property
    def is_parallel(self) -> bool:
        return self.kind is StateKind.PARALLEL

    @property
    def is_final(self) -> bool:
        return self.kind is StateKind.FINAL

    @property
    def is_history(self) -> bool:
        return self.kind is StateKind.HISTORY

    @property
    def label(self) -> str:
        return self.meta.label or self.name
