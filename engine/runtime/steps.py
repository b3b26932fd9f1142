"""Step records: what one event did (sismic's MacroStep/MicroStep, SCXML's vocabulary).

A *microstep* takes one optimal enabled transition set: it exits states, runs the
transitions' actions and enters states. A *macrostep* is everything one external event
causes, up to the next stable configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from engine.model import Transition
from engine.runtime.effects import Effect
from engine.runtime.values import Event, Snapshot

__all__ = ["MACROSTEP_SLOTS", "MacroStep", "MicroStep", "new_macrostep"]


@dataclass(frozen=True, slots=True)
class MicroStep:
    """One microstep. ``event`` is None for eventless transitions and the initial entry.

    ``exited`` is in exit order, ``entered`` in entry order.
    """

    event: Event | None
    transitions: tuple[Transition, ...]
    exited: tuple[str, ...]
    entered: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MacroStep:
    """What one event (or the start of an instance, ``event`` None) did."""

    event: Event | None
    before: Snapshot
    after: Snapshot
    microsteps: tuple[MicroStep, ...]
    effects: tuple[Effect, ...]

    @property
    def exited(self) -> tuple[str, ...]:
        return tuple(s for m in self.microsteps for s in m.exited)

    @property
    def entered(self) -> tuple[str, ...]:
        return tuple(s for m in self.microsteps for s in m.entered)

    @property
    def ignored(self) -> bool:
        """True when the event was ignored on purpose (no microstep ran)."""
        return self.event is not None and not self.microsteps


_new = object.__new__
#: the setters of MacroStep's slots, in field order (for building one without __init__)
MACROSTEP_SLOTS: tuple[Callable[[MacroStep, Any], None], ...] = tuple(
    getattr(MacroStep, f.name).__set__ for f in fields(MacroStep)
)
_event, _before, _after, _microsteps, _effects = MACROSTEP_SLOTS


def new_macrostep(
    event: Event | None,
    before: Snapshot,
    after: Snapshot,
    microsteps: tuple[MicroStep, ...],
    effects: tuple[Effect, ...],
) -> MacroStep:
    """``MacroStep(event, before, after, microsteps, effects)`` with the slots set
    directly (see :func:`~engine.runtime.values.new_snapshot`)."""
    step = _new(MacroStep)
    _event(step, event)
    _before(step, before)
    _after(step, after)
    _microsteps(step, microsteps)
    _effects(step, effects)
    return step
