"""One event to one instance already read: planned, then committed with statements of the
caller riding along (a webhook's idempotency key and its answer), without reading the
instance again.

``Engine.send`` reads the instance, steps and saves it, and reads it again for its answer;
a webhook has read it already (with its key, :meth:`WebStore.instance_and_key`) and must
know its answer *before* the commit, so that the answer is saved in the step's own
transaction. :func:`plan_event` runs the step (nothing saved), :func:`commit_planned`
saves it (with the riders, one transaction) and leaves its effects in the outbox for a
worker, as ``send_deferred`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.runtime import MacroStep
from engine.service.commit import AuditInfo, external_event
from engine.service.ops import drain
from engine.service.planning import plan_step
from engine.store.ports import save_unit

if TYPE_CHECKING:
    from engine.service.facade import Engine
    from engine.store.records import InstanceRecord, SaveUnit

__all__ = ["Planned", "commit_planned", "plan_event"]

Stmt = tuple[str, Sequence[Any]]


@dataclass(frozen=True, slots=True)
class Planned:
    """A step of ``record`` on an event, not saved yet; ``step`` None: ignored on purpose
    (nothing to save)."""

    record: InstanceRecord
    step: MacroStep | None
    unit: SaveUnit | None
    #: the leaf states before and after the step
    before: tuple[str, ...]
    after: tuple[str, ...]


def plan_event(
    engine: Engine,
    record: InstanceRecord,
    event: str,
    data: Mapping[str, Any] | None = None,
    *,
    actor: str | None = None,
    note: str | None = None,
    roles: Iterable[str] | None = None,
    client_note: str | None = None,
) -> Planned:
    """The step ``event`` makes ``record`` take (``Engine.send``'s checks and errors:
    ``EventRefused`` when refused); nothing is saved."""
    core = engine._core
    loaded = core.registry.get(record.chart, record.version)
    ev = external_event(event, data, actor=actor, roles=roles, note=note, client_note=client_note)
    planned = plan_step(core, record, loaded, ev, AuditInfo("event", actor, note, client_note))
    before = loaded.leaves(record.snapshot.configuration)
    if planned is None:
        return Planned(record, None, None, before, before)
    step, unit = planned
    return Planned(record, step, unit, before, loaded.leaves(step.after.configuration))


def commit_planned(engine: Engine, planned: Planned, riders: Sequence[Stmt] = ()) -> InstanceRecord:
    """Save a planned step with ``riders`` in its transaction (all or nothing); its effects
    stay in the outbox for a worker. ``ConcurrentUpdate`` when the instance moved on since
    it was read (nothing saved). An ignored event saves nothing (not even the riders)."""
    if planned.step is None or planned.unit is None:
        return planned.record
    core = engine._core
    store: Any = engine.store  # riding_along is the SQL store's
    unit = planned.unit
    with store.riding_along(*riders) if riders else nullcontext():
        new = save_unit(store, unit)
    core.committed(planned.record, new, unit.changes, planned.step)
    if core.batch or core.queue:
        drain(engine, perform=False)
    return new
