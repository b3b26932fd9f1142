"""Transitions and the metadata of the manual actions people take."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from engine.model.actions import Action
from engine.model.expression import Expression
from engine.source import Span

__all__ = ["Manual", "Timer", "Transition", "TransitionKind", "Trigger", "matches"]


class TransitionKind(StrEnum):
    EXTERNAL = "external"
    INTERNAL = "internal"


class Trigger(StrEnum):
    """What makes a transition fire; used by diagrams and the analysis."""

    EVENT = "event"  # an event from outside or raised by the chart
    MANUAL = "manual"  # a person's action
    ALWAYS = "always"  # eventless
    TIMER = "timer"  # an `after` delay
    TASK = "task"  # a task outcome (done.invoke / error.invoke)


@dataclass(frozen=True, slots=True)
class Manual:
    label: str
    roles: tuple[str, ...] = ()
    note_required: bool = False
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Timer:
    """The delay of an ``after`` transition.

    Exactly one of ``delay`` (a duration; counted in opening hours when a calendar is
    set) and ``open_days`` (fires at closing time of the Nth open day after today). A
    delay or open-days value that evaluates to null starts no timer.
    """

    event: str  # the internal event the timer sends, unique in the chart
    delay: Expression | None = None
    open_days: Expression | None = None
    calendar: str | None = None  # a calendar declared by the chart
    #: a context field holding a per-instance calendar (record: timezone, days, opens,
    #: closes, holidays); when it is null, the timer is not started
    calendar_field: Expression | None = None


def matches(descriptor: str, event: str) -> bool:
    """Does a transition's event descriptor match an event name?

    ``*`` matches every event; ``a.b.*`` matches ``a.b`` and every event below it
    (``a.b.c``); any other descriptor matches exactly that event. (SCXML also lets a plain
    ``a.b`` match ``a.b.c``; we require the explicit ``.*`` so that real event names such
    as ``evt.order.cancel`` and ``evt.order.cancel.refund`` stay apart.)
    """
    if descriptor == "*":
        return True
    if descriptor.endswith(".*"):
        prefix = descriptor[:-2]
        return event == prefix or event.startswith(prefix + ".")
    return event == descriptor


@dataclass(frozen=True, slots=True)
class Transition:
    """A transition of ``source``. ``events`` is empty for eventless (``always``) transitions.

    ``targets`` are state ids (resolved at load time); empty for a targetless transition.
    ``order`` is the global document order, used for priority and conflict resolution.
    """

    source: str
    events: tuple[str, ...]
    targets: tuple[str, ...]
    guard: Expression | None = None
    actions: tuple[Action, ...] = ()
    kind: TransitionKind = TransitionKind.EXTERNAL
    trigger: Trigger = Trigger.EVENT
    manual: Manual | None = None
    timer: Timer | None = None
    label: str | None = None
    description: str | None = None
    order: int = 0
    span: Span | None = None
    path: str = ""
    #: where the event is named (the key under `on:`); None for eventless transitions
    event_span: Span | None = None

    @property
    def eventless(self) -> bool:
        return not self.events

    @property
    def targetless(self) -> bool:
        return not self.targets

    def accepts(self, event: str) -> bool:
        return any(matches(d, event) for d in self.events)

    def describe(self) -> str:
        on = ", ".join(self.events) if self.events else "always"
        to = ", ".join(self.targets) if self.targets else "(no target)"
        return f"{self.source or '(root)'} --{on}--> {to}"
