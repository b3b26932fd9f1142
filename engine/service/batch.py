"""Many steps, one transaction: the steps of distinct instances planned, then saved together.

The worker fires the timers it claimed this way, and bulk operations send one event to many
instances this way. Each step is *planned* (the runtime runs; nothing is saved yet), the
batch's units of work are saved with ``store.save_many`` (one transaction and one commit,
each unit all or nothing on its own), then each saved step is followed up exactly as a
single one would be: its outbox items performed or left for a worker, a parent told that
its spawn is done, listeners called. A unit that lost an optimistic-lock race is done again
on its own (reloaded), a unit that failed is reported, and neither holds up the others.

Effects run only after the batch committed, so a crash before the commit loses no step
and performs no effect twice: the claimed timers simply fire again after their lease.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from engine.errors import StatewiseError
from engine.runtime import EventRefused, MacroStep
from engine.service.commit import AuditInfo, external_event
from engine.service.ops import (
    DEFAULT_POLICY,
    Outcome,
    RetryPolicy,
    attempt,
    drain,
    fire_timer,
    is_infrastructure,
)
from engine.service.planning import plan_fire, plan_step
from engine.store.ports import ConcurrentUpdate, StoreError
from engine.store.records import InstanceRecord, OutboxItem, SaveUnit

if TYPE_CHECKING:
    from engine.service.facade import Engine
    from engine.store.records import DueTimer

__all__ = [
    "EventResult",
    "FireCount",
    "Status",
    "TimerBatch",
    "deliver_outbox",
    "finish_timers",
    "fire_timers",
    "plan_timers",
    "save_timers",
    "send_events",
]

log = logging.getLogger("statewise.worker")


@dataclass(slots=True)
class FireCount:
    """What became of a batch of due timers."""

    fired: int = 0
    #: no longer due (the instance moved on, refused or ignored the event)
    skipped: int = 0
    failed: int = 0


Status = Literal["accepted", "refused", "failed"]


@dataclass(frozen=True, slots=True)
class EventResult:
    """One instance's outcome of :func:`send_events`."""

    id: str
    status: Status
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    #: failed for a passing reason (a concurrent change): sending again may succeed
    transient: bool = False


@dataclass(slots=True)
class _Plan:
    record: InstanceRecord
    step: MacroStep | None
    unit: SaveUnit
    tag: Any = field(default=None)


def _save(engine: Engine, plans: Sequence[_Plan]) -> list[InstanceRecord | StoreError]:
    """Save the plans' units in one transaction; a database failure raises."""
    if not plans:
        return []
    return engine.store.save_many([p.unit for p in plans])


# -- timers ---------------------------------------------------------------------------------
@dataclass(slots=True)
class TimerBatch:
    """Claimed due timers, planned and not yet saved (see :func:`plan_timers`)."""

    plans: list[_Plan]
    #: timers to fire on their own afterwards (a second timer of an instance, an instance
    #: gone meanwhile)
    alone: list[DueTimer]
    count: FireCount


def fire_timers(
    engine: Engine,
    dues: Sequence[DueTimer],
    *,
    inline: Callable[[DueTimer], bool] = lambda _due: True,
    policy: RetryPolicy = DEFAULT_POLICY,
    stopping: Callable[[], bool] = lambda: False,
) -> FireCount:
    """Fire claimed due timers, their steps committed in one transaction.

    ``inline(due)`` says whether to perform a fired step's effects here (else they stay in
    the outbox for the outbox claims). A second timer of an instance already in the batch,
    and a step that lost a race, fire on their own afterwards. Database trouble raises.
    """
    batch = plan_timers(engine, dues)
    saved = save_timers(engine, batch)
    return finish_timers(engine, batch, saved, inline=inline, policy=policy, stopping=stopping)


def plan_timers(engine: Engine, dues: Sequence[DueTimer]) -> TimerBatch:
    """Load the timers' instances and plan their steps; nothing is saved. A step that fails
    is counted (its timer stays, to fire again after its lease)."""
    core = engine._core
    count = FireCount()
    records = engine.store.load_many(d.instance_id for d in dues)
    plans: list[_Plan] = []
    alone: list[DueTimer] = []
    taken: set[str] = set()
    for due in dues:
        record = records.get(due.instance_id)
        if record is None or due.instance_id in taken:
            alone.append(due)  # gone meanwhile, or a second timer of the same instance
            continue
        taken.add(due.instance_id)
        try:
            loaded = core.registry.get(record.chart, record.version)
            step, unit = plan_fire(core, record, loaded, due)
        except StatewiseError as exc:  # the step failed: nothing saved, the timer stays
            _timer_failed(count, due, exc)
            continue
        plans.append(_Plan(record, step, unit, due))
    return TimerBatch(plans, alone, count)


def save_timers(engine: Engine, batch: TimerBatch) -> list[InstanceRecord | StoreError]:
    """Save a planned batch in one transaction. Touches only the store, so it may run on
    another thread (with its own connection) while the next batch is planned."""
    return _save(engine, batch.plans)


def finish_timers(
    engine: Engine,
    batch: TimerBatch,
    saved: Sequence[InstanceRecord | StoreError],
    *,
    inline: Callable[[DueTimer], bool] = lambda _due: True,
    policy: RetryPolicy = DEFAULT_POLICY,
    stopping: Callable[[], bool] = lambda: False,
) -> FireCount:
    """Follow a saved batch up: each committed step's work, then the timers that fire alone
    (a step that lost a race among them, reloaded)."""
    core = engine._core
    count, alone = batch.count, list(batch.alone)
    for plan, result in zip(batch.plans, saved, strict=True):
        due = plan.tag
        if isinstance(result, ConcurrentUpdate):
            alone.append(due)  # someone else saved the instance meanwhile: reload, retry
        elif isinstance(result, StoreError):
            _timer_failed(count, due, result)
        elif plan.step is None:
            count.skipped += 1
        else:
            count.fired += 1
            core.committed(plan.record, result, plan.unit.changes, plan.step)
            _follow_up(engine, policy, inline(due))
    for due in alone:
        if stopping():
            break
        try:
            if fire_timer(engine, due, perform=inline(due), policy=policy):
                count.fired += 1
            else:
                count.skipped += 1
        except StatewiseError as exc:
            if is_infrastructure(exc):
                raise
            _timer_failed(count, due, exc)
    return count


def _timer_failed(count: FireCount, due: DueTimer, exc: Exception) -> None:
    count.failed += 1
    log.error("timer %s of %s failed: %s", due.timer_id, due.instance_id, exc)


def _follow_up(engine: Engine, policy: RetryPolicy, perform: bool) -> None:
    """Run the work one committed step queued (its effects unless ``perform`` is False)."""
    core = engine._core
    if not perform:
        core.batch[:] = [w for w in core.batch if not isinstance(w, OutboxItem)]
    if core.batch or core.queue:
        drain(engine, policy, perform=perform)


# -- the outbox -----------------------------------------------------------------------------
def deliver_outbox(
    engine: Engine,
    items: Sequence[OutboxItem],
    policy: RetryPolicy = DEFAULT_POLICY,
    *,
    stopping: Callable[[], bool] = lambda: False,
) -> list[Outcome]:
    """Perform claimed outbox items; those done are marked so in one statement at the end.

    Delivery stays at least once: a crash before that statement performs the batch's items
    again after their lease, with the same idempotency keys. Database trouble raises.
    """
    store: Any = engine.store  # outbox_done_many is the SQL store's
    records = store.load_many(i.instance_id for i in items)
    done: list[str] = []
    outcomes: list[Outcome] = []
    try:
        for item in items:
            if stopping():
                break
            outcomes.append(attempt(engine, item, policy, records.get(item.instance_id), done))
            drain(engine, policy, perform=True)
    finally:
        if done:
            store.outbox_done_many(done)
    return outcomes


# -- events ---------------------------------------------------------------------------------
def send_events(
    engine: Engine,
    instance_ids: Sequence[str],
    event: str,
    data: Any = None,
    *,
    actor: str | None = None,
    note: str | None = None,
    roles: Iterable[str] | None = None,
    perform: bool = False,
    client_note: str | None = None,
) -> list[EventResult]:
    """Send ``event`` to each of ``instance_ids`` (distinct), the steps in one transaction.

    ``perform=False`` leaves the steps' effects in the outbox for a worker (what operator
    commands do); other follow-up work (a parent told its spawn is done) runs here. A
    refusal or a failure is a result, not an exception; a step that lost a race is sent
    again on its own. Database trouble raises.
    """
    core = engine._core
    ev = external_event(event, data, actor=actor, roles=roles, note=note, client_note=client_note)
    who = AuditInfo("event", actor, note, client_note)
    records = engine.store.load_many(instance_ids)
    results: dict[str, EventResult] = {}
    plans: list[_Plan] = []
    for iid in instance_ids:
        record = records.get(iid)
        if record is None:
            results[iid] = EventResult(iid, "failed", reasons=(f"no instance with id {iid!r}",))
            continue
        try:
            loaded = core.registry.get(record.chart, record.version)
            planned = plan_step(core, record, loaded, ev, who)
        except EventRefused as refused:
            reasons = refused.reasons
            results[iid] = EventResult(iid, "refused", reasons=reasons)
            continue
        except StatewiseError as exc:
            results[iid] = EventResult(iid, "failed", reasons=(str(exc),))
            continue
        leaves = loaded.leaves
        before = leaves(record.snapshot.configuration)
        if planned is None:  # ignored on purpose: accepted, nothing changed
            results[iid] = EventResult(iid, "accepted", before, before)
            continue
        plans.append(_Plan(record, planned[0], planned[1], (before, leaves)))
    for plan, saved in zip(plans, _save(engine, plans), strict=True):
        iid = plan.record.id
        before, leaves = plan.tag
        if isinstance(saved, ConcurrentUpdate):  # changed meanwhile: once more, on its own
            results[iid] = _send_alone(engine, iid, event, data, who, roles, perform)
            continue
        if isinstance(saved, StoreError):
            results[iid] = EventResult(iid, "failed", reasons=(str(saved),))
            continue
        assert plan.step is not None
        core.committed(plan.record, saved, plan.unit.changes, plan.step)
        after = saved
        if core.batch or core.queue:
            drain(engine, perform=perform)
            if perform:
                after = engine.store.load(iid)  # the effects may have moved it on
        results[iid] = EventResult(iid, "accepted", before, leaves(after.snapshot.configuration))
    return [results[i] for i in instance_ids]


def _send_alone(
    engine: Engine,
    iid: str,
    event: str,
    data: Any,
    who: AuditInfo,
    roles: Iterable[str] | None,
    perform: bool,
) -> EventResult:
    from engine.service.ops import send_deferred

    send = engine.send if perform else partial(send_deferred, engine)
    try:
        before = engine.get(iid).leaf_states
        after = send(
            iid,
            event,
            data,
            actor=who.actor,
            note=who.note,
            roles=roles,
            client_note=who.client_note,
        )
    except EventRefused as refused:
        reasons = refused.reasons
        return EventResult(iid, "refused", reasons=reasons)
    except StatewiseError as exc:
        if is_infrastructure(exc):
            raise
        transient = isinstance(exc, ConcurrentUpdate)
        return EventResult(iid, "failed", reasons=(str(exc),), transient=transient)
    return EventResult(iid, "accepted", before, after.leaf_states)
