"""Which events may come from outside, and with what data.

An event sent by a caller (origin ``external``: ``Engine.send``, ``statewise send``, an
integration) is admitted only if

* its name is not reserved for the platform: ``after.*`` (timers), ``done.state.*`` and
  ``done.spawn.*`` (completions) and ``error.*`` (errors) are raised by statewise itself,
  so a caller cannot fire a timer early or fake a completion (blocker ``internal_event``);
* it is a task outcome (``done.invoke.<task>``, ``error.invoke.<task>``) only while a call
  of that task waits for its outcome (``Snapshot.calls``; blocker ``no_pending_call``);
* it carries data only if the chart declares data for it (``events:`` with ``data``, task
  results), and that data fits the bounds of :class:`~engine.limits.Limits` (blocker
  ``bad_event_data``).

Events statewise delivers itself (timers, task outcomes from a handler, events between
instances) are not checked here.
"""

from __future__ import annotations

from dataclasses import replace

from engine.expr.types import RecordType
from engine.limits import Limits, measure
from engine.runtime.blockers import BAD_EVENT_DATA, INTERNAL_EVENT, NO_PENDING_CALL, Blocker
from engine.runtime.data import coerce_event_data
from engine.runtime.errors import EventRefused
from engine.runtime.values import Event, Snapshot

__all__ = [
    "OUTCOME_PREFIXES",
    "RESERVED_PREFIXES",
    "admission_blocker",
    "outcome_task",
    "typed_event",
]

#: task outcomes: accepted from outside while a call of the task waits
OUTCOME_PREFIXES = ("done.invoke.", "error.invoke.")
#: names statewise raises itself and never takes from outside
RESERVED_PREFIXES = ("after.", "done.", "error.")


def outcome_task(name: str) -> str | None:
    """The task of a task outcome event's name, else None."""
    for prefix in OUTCOME_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return None


def admission_blocker(
    event: Event, snapshot: Snapshot, takes_data: bool, limits: Limits
) -> Blocker | None:
    """Why an external ``event`` may not enter the instance, or None when it may."""
    name = event.name
    if name.startswith(RESERVED_PREFIXES):
        task = outcome_task(name)
        if task is None:
            return Blocker(
                INTERNAL_EVENT,
                f"'{name}' is an event statewise raises itself (a timer, a completion or an "
                "error); it cannot be sent from outside",
            )
        calls = snapshot.calls
        if calls is not None and task not in calls.values():
            return Blocker(
                NO_PENDING_CALL,
                f"'{name}' answers task '{task}', but no call of it is waiting for an outcome",
            )
    if event.data:
        if not takes_data:
            return Blocker(
                BAD_EVENT_DATA,
                f"'{name}' takes no data, but data was given ({', '.join(map(str, event.data))}); "
                "expected none (declare it under `events:` with `data:` to accept data)",
            )
        problem = measure(event.data, limits)
        if problem is not None:
            return Blocker(BAD_EVENT_DATA, f"the data of '{name}' is too large: {problem}")
    return None


def typed_event(event: Event, record: RecordType) -> Event:
    """``event`` with its data coerced to the declared ``record``; EventRefused if it does
    not fit."""
    try:
        data = coerce_event_data(record, event.data)
    except ValueError as exc:
        message = f"the data of '{event.name}' does not fit its declaration: {exc}"
        raise EventRefused(event, (Blocker(BAD_EVENT_DATA, message),)) from None
    return replace(event, data=data)
