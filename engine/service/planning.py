"""Steps planned, not saved: the unit of work of one event (:func:`plan_step`, what
``Core.apply`` does before its save) and of one due timer (:func:`plan_fire`: its step at
its due time, or only the timer index brought in line when the timer no longer applies).
``Core.fire`` saves a timer's unit on its own; :mod:`engine.service.batch` saves many units
together, then hands each saved step to ``Core.committed``."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from engine.runtime import Event, EventRefused, MacroStep
from engine.service.commit import SYSTEM, AuditInfo, unit_of_work
from engine.service.core import Core, check_audit_text
from engine.store.records import (
    ACTIVE,
    DONE,
    Changes,
    DueTimer,
    InstanceRecord,
    SaveUnit,
    TimerChange,
)

if TYPE_CHECKING:
    from datetime import datetime

    from engine.service.registry import LoadedChart

__all__ = ["plan_fire", "plan_step"]

log = logging.getLogger("statewise.engine")


def plan_step(
    core: Core,
    record: InstanceRecord,
    loaded: LoadedChart,
    event: Event,
    who: AuditInfo,
    now: datetime | None = None,
) -> tuple[MacroStep, SaveUnit] | None:
    """``Core.apply`` without the save: the step and the unit of work that commits it
    (saved by the caller, then handed to ``Core.committed``). None when the event is
    ignored on purpose (nothing to save)."""
    if who is not SYSTEM:
        check_audit_text(who.actor, who.note, who.client_note, limit=core.limits.note)
    when = core.clock.now() if now is None else now
    step = loaded.interpreter.step(record.snapshot, event, when, instance=record.info)
    if not step.microsteps and not step.effects:
        return None
    iid, version = record.info.id, record.row_version
    changes = unit_of_work(
        iid, version + 1, step, when, loaded.leaves, who, core.audit, core.details
    )
    status = DONE if step.after.done else ACTIVE
    return step, SaveUnit(iid, step.after, status, version, when, changes)


def plan_fire(
    core: Core, record: InstanceRecord, loaded: LoadedChart, due: DueTimer
) -> tuple[MacroStep | None, SaveUnit]:
    """The unit of work that fires ``due`` (a timer of ``record``) at its due time.

    The step is None when the timer no longer applies (the index was behind the snapshot,
    or the instance refused or ignored the event): the unit then only brings the index in
    line. A fired timer never stays pending: when the step left it in the snapshot (it did
    not leave the timer's state), the same unit removes it.
    """
    timer = record.snapshot.timers.get(due.timer_id)
    if timer is None or timer.due != due.due:  # the index is behind the snapshot: resync
        return None, _consume(
            record, TimerChange(due.timer_id, None if timer is None else timer.due)
        )
    event = Event(timer.event, timer.data, origin="timer")
    try:
        planned = plan_step(core, record, loaded, event, SYSTEM, now=due.due)
    except EventRefused as exc:
        log.info("timer %s of %s refused: %s", timer.event, record.id, exc)
        return None, _consume(record, TimerChange(due.timer_id, None))
    if planned is None:  # ignored: nothing happened but the timer is spent
        return None, _consume(record, TimerChange(due.timer_id, None))
    step, unit = planned
    after = unit.snapshot
    if after.timers.get(due.timer_id) == timer:  # fired timers never stay pending
        timers = {k: v for k, v in after.timers.items() if k != due.timer_id}
        changes = unit.changes
        cancel = (*changes.timers, TimerChange(due.timer_id, None))
        unit = unit._replace(
            snapshot=replace(after, timers=timers), changes=changes._replace(timers=cancel)
        )
    return step, unit


def _consume(record: InstanceRecord, change: TimerChange) -> SaveUnit:
    """A unit that only changes one timer (the snapshot's and the index's) of ``record``."""
    snapshot = record.snapshot
    if change.due is None and change.timer_id in snapshot.timers:
        timers = {k: v for k, v in snapshot.timers.items() if k != change.timer_id}
        snapshot = replace(snapshot, timers=timers)
    return SaveUnit(
        record.id,
        snapshot,
        record.status,
        record.row_version,
        record.updated,
        Changes(timers=(change,)),
    )
