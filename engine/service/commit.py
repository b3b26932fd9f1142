"""A runtime :class:`~engine.runtime.MacroStep` -> the unit of work the store saves.

The difference between the timers of the snapshot before and after the step becomes the
timer-index changes (so the index always mirrors the snapshot, whatever effects said),
``log`` effects become audit lines, and the effects
that reach outside the instance (notifications, tasks, spawns, events for other
instances) become outbox items, performed only after the unit of work is committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from engine.runtime import CancelTimer, Event, LogEntry, MacroStep, ScheduleTimer, Snapshot
from engine.runtime.outputs import context_changes, effect_summaries
from engine.store.records import (
    NO_CHANGES,
    AuditKind,
    AuditRecord,
    Changes,
    OutboxItem,
    TimerChange,
)

__all__ = [
    "EMPTY",
    "SYSTEM",
    "AuditInfo",
    "external_event",
    "roles_of",
    "timer_changes",
    "unit_of_work",
]

EMPTY: Mapping[str, Any] = MappingProxyType({})


def external_event(
    name: str,
    data: Mapping[str, Any] | None = None,
    *,
    actor: str | None = None,
    roles: Iterable[str] | None = None,
    note: str | None = None,
    client_note: str | None = None,
) -> Event:
    """An event from outside: a system's (``roles`` None) or a person's with ``roles``."""
    allowed = None if roles is None else frozenset(roles)
    return Event(name, EMPTY if data is None else data, "external", actor, allowed, note,
                 client_note)  # fmt: skip


_new = tuple.__new__

Leaves = Callable[[frozenset[str]], tuple[str, ...]]


class AuditInfo:
    """Who did it and why: the parts of an audit line that do not come from the step."""

    __slots__ = ("actor", "client_note", "kind", "note")

    def __init__(
        self,
        kind: AuditKind = "event",
        actor: str | None = None,
        note: str | None = None,
        client_note: str | None = None,
    ) -> None:
        self.kind, self.actor, self.note, self.client_note = kind, actor, note, client_note


SYSTEM = AuditInfo()


def roles_of(event: Event | None) -> tuple[str, ...] | None:
    """The roles an event was sent with, as the audit trail keeps them (sorted)."""
    if event is None or event.roles is None:
        return None
    found = _ROLES.get(event.roles)
    if found is None:
        found = tuple(sorted(event.roles))
        if len(_ROLES) < 1024:
            _ROLES[event.roles] = found
    return found


_ROLES: dict[frozenset[str], tuple[str, ...]] = {}


def unit_of_work(
    instance_id: str,
    seq: int,
    step: MacroStep,
    now: datetime,
    leaves: Leaves,
    who: AuditInfo,
    audit: bool = True,
    details: bool = False,
    given: Mapping[str, Any] | None = None,
) -> Changes:
    """The changes to save with ``step.after`` as row version ``seq``.

    ``details``: also record what ``statewise replay`` needs (the context changes and the
    effects requested; for a start, ``given``: the start context as given).
    """
    effects = step.effects
    start, end = step.before, step.after
    records: tuple[AuditRecord, ...] = ()
    if audit:
        event = step.event
        first = who.kind == "start"
        data = EMPTY if event is None else event.data
        changes = summaries = None
        if details:
            changes = context_changes(EMPTY if first else start.context, end.context)
            summaries = effect_summaries(effects)
            if first and given:
                data = given
        records = (
            _new(  # AuditRecord(...) without the keyword-capable constructor: hot path
                AuditRecord,
                (
                    instance_id,
                    seq,
                    None if event is None else event.name,
                    data,
                    () if first else leaves(start.configuration),
                    leaves(end.configuration),
                    who.actor,
                    who.note,
                    who.client_note,
                    now,
                    who.kind,
                    None if event is None else event.origin,
                    roles_of(event),
                    changes,
                    summaries,
                ),
            ),
        )
    if not effects:
        old, new = start.timers, end.timers
        if old is new or not (old or new):  # the usual step: a new snapshot, one audit line
            return _new(Changes, (records, (), ())) if records else NO_CHANGES
    timers = timer_changes(step.before, step.after)
    if not effects:
        return Changes(records, timers) if timers else Changes(records)
    outbox: list[OutboxItem] = []
    logs: list[AuditRecord] = []
    for index, effect in enumerate(effects):
        if isinstance(effect, ScheduleTimer | CancelTimer):
            continue  # mirrored from the snapshots above
        if isinstance(effect, LogEntry):
            if audit:
                to = records[0].to_configuration
                logs.append(
                    AuditRecord(
                        instance_id,
                        seq,
                        None,
                        EMPTY,
                        to,
                        to,
                        None,
                        effect.message,
                        None,
                        now,
                        "log",
                    )
                )
        else:
            item_id = f"{instance_id}:{seq}:{index}"
            outbox.append(OutboxItem(item_id, instance_id, seq, index, effect))
    return Changes(records + tuple(logs), timers, tuple(outbox))


def timer_changes(before: Snapshot, after: Snapshot) -> tuple[TimerChange, ...]:
    """Timer-index changes that make the index match ``after.timers``."""
    old, new = before.timers, after.timers
    if old is new or not (old or new):
        return ()
    out = [TimerChange(tid, t.due) for tid, t in new.items() if old.get(tid) != t]
    out.extend(TimerChange(tid, None) for tid in old if tid not in new)
    return tuple(out)
