"""Failures of a step. The input snapshot is immutable, so after any of them the
instance is exactly as it was: the caller keeps the old snapshot and no effect escapes."""

from __future__ import annotations

from collections.abc import Iterable

from engine.errors import EvaluationError, StatewiseError
from engine.runtime.blockers import Blocker
from engine.runtime.values import Event

__all__ = [
    "ActionFailed",
    "ContextError",
    "EventRefused",
    "MicrostepLimitExceeded",
    "RuleBroken",
    "RuntimeFailure",
    "StepTimeExceeded",
]


class RuntimeFailure(StatewiseError):
    """Root of the runtime's failures."""


class EventRefused(RuntimeFailure):
    """Nothing accepts the event and it is not ignored; ``blockers`` say why."""

    def __init__(self, event: Event, blockers: Iterable[Blocker]) -> None:
        self.event = event
        self.blockers = tuple(blockers)
        reasons = "; ".join(b.message for b in self.blockers) or "no reason recorded"
        super().__init__(f"event '{event.name}' refused: {reasons}")

    @property
    def reasons(self) -> tuple[str, ...]:
        """One line per blocker (the whole message when there is none), as results show them."""
        return tuple(b.message for b in self.blockers) or (str(self),)


class MicrostepLimitExceeded(RuntimeFailure):
    """A macrostep took more microsteps than allowed (an eventless or raise loop)."""

    def __init__(self, limit: int, event: Event | None = None, trail: tuple[str, ...] = ()) -> None:
        self.limit = limit
        self.event = event
        self.trail = trail
        what = f"event '{event.name}'" if event is not None else "the start"
        last = f"; last transitions: {', '.join(trail)}" if trail else ""
        super().__init__(
            f"{what} caused more than {limit} microsteps; the chart loops without waiting "
            f"for an event{last}"
        )


class StepTimeExceeded(RuntimeFailure):
    """A macrostep ran longer than ``Limits.step_seconds`` (a long eventless loop)."""

    def __init__(
        self, seconds: float, event: Event | None = None, trail: tuple[str, ...] = ()
    ) -> None:
        self.seconds = seconds
        self.event = event
        self.trail = trail
        what = f"event '{event.name}'" if event is not None else "the start"
        last = f"; last transitions: {', '.join(trail)}" if trail else ""
        super().__init__(
            f"{what} kept the chart busy for more than {seconds} s without waiting for an "
            f"event; stopped, nothing changed{last}"
        )


class ActionFailed(RuntimeFailure):
    """An action (or a timer delay, a task input) raised an :class:`EvaluationError`."""

    def __init__(self, cause: EvaluationError, where: str = "") -> None:
        self.cause = cause
        self.where = where
        at = f" in {where}" if where else ""
        super().__init__(f"an action failed{at}: {cause}")


class ContextError(RuntimeFailure):
    """The context given to start an instance does not fit the chart's ``context``."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("bad context: " + "; ".join(self.problems))


class RuleBroken(RuntimeFailure):
    """A chart rule does not hold for the context a start or step would leave behind.

    Nothing is changed: the caller keeps the snapshot it had.
    """

    def __init__(self, messages: Iterable[str]) -> None:
        self.messages = tuple(messages)
        super().__init__("; ".join(self.messages))
