"""Acting on behalf of a principal: start an instance, send one event, send one event to
many selected instances. Each checks the principal's rights (:mod:`engine.ops.auth`)
before it changes anything, then commits the step(s) and leaves their effects in the
outbox for a worker (the server holds no transports).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from engine.ops.errors import OpsError
from engine.ops.sending import BulkResult, Sender, SendResult, send_many, send_one

if TYPE_CHECKING:
    from engine.model import Chart
    from engine.ops.auth import Principal
    from engine.service import Engine, Instance
    from engine.store.records import InstanceRecord

__all__ = ["MAX_BULK", "chart_of", "send_as", "send_bulk_as", "start_as", "start_deferred"]

#: the most instances one bulk request may name
MAX_BULK = 1000


def chart_of(engine: Engine, record: InstanceRecord) -> Chart:
    """The chart version an instance runs (from the engine's charts: no database read)."""
    for chart in engine.charts:
        if chart.id == record.chart and chart.version == record.version:
            return chart
    return engine.get(record.id).definition  # registered on demand


def _text(value: str | None) -> str | None:
    return value.strip() or None if value else None


def _sender(principal: Principal, note: str | None, client_note: str | None) -> Sender:
    return Sender(
        actor=principal.actor,
        roles=principal.roles,
        note=_text(note),
        client_note=_text(client_note),
    )


def send_as(
    engine: Engine,
    principal: Principal,
    record: InstanceRecord,
    event: str,
    data: Mapping[str, Any] | None = None,
    *,
    note: str | None = None,
    client_note: str | None = None,
) -> SendResult:
    """``event`` to one instance, if ``principal`` may send it; a refusal is a result."""
    principal.require_send(chart_of(engine, record), event)
    return send_one(engine, record.id, event, data, sender=_sender(principal, note, client_note))


def send_bulk_as(
    engine: Engine,
    principal: Principal,
    instance_ids: Sequence[str],
    event: str,
    data: Mapping[str, Any] | None = None,
    *,
    note: str | None = None,
    client_note: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BulkResult:
    """``event`` to each instance (own transaction, own result). The principal's rights
    are checked for every chart involved before anything is sent: all or none may go. An
    id that names no instance (archived, mistyped) is a ``not_found`` result."""
    from engine.store.ports import InstanceNotFound

    if not instance_ids:
        raise OpsError("select at least one instance", "usage")
    if len(instance_ids) > MAX_BULK:
        raise OpsError(f"at most {MAX_BULK} instances per bulk send", "usage")
    ids = list(dict.fromkeys(instance_ids))
    checked: set[tuple[str, int]] = set()
    missing: set[str] = set()
    for iid in ids:
        try:
            record = engine.store.load(iid)
        except InstanceNotFound:
            missing.add(iid)
            continue
        if (record.chart, record.version) not in checked:
            principal.require_send(chart_of(engine, record), event)
            checked.add((record.chart, record.version))
    who = _sender(principal, note, client_note)
    present = [iid for iid in ids if iid not in missing]
    sent = send_many(engine, present, event, data, sender=who, progress=progress).results
    found = {r.id: r for r in sent}
    gone = [SendResult(iid, event, "not_found", reasons=(f"no instance with id {iid!r}",))
            for iid in missing]  # fmt: skip
    found.update((r.id, r) for r in gone)
    return BulkResult([found[iid] for iid in ids])


def start_deferred(
    engine: Engine,
    chart: Chart | str,
    context: Mapping[str, Any] | None = None,
    *,
    key: str | None = None,
) -> Instance:
    """``Engine.start`` whose effects are left in the outbox for a worker to perform.

    Reaches into the engine's core as :func:`engine.service.ops.send_deferred` does (the
    facade has no "start without performing" call).
    """
    from engine.service.ops import drain

    core = engine._core
    loaded = core.registry.resolve(chart)
    record = core.create(loaded, context or {}, key)
    drain(engine, perform=False)
    return engine.get(record.id)


def start_as(
    engine: Engine,
    principal: Principal,
    chart_id: str,
    context: Mapping[str, Any] | None,
    key: str | None,
) -> Instance:
    """Start an instance of ``chart_id`` (its latest version) for ``principal``."""
    from engine.errors import StatewiseError
    from engine.store.ports import DuplicateKey

    if chart_id not in {c.id for c in engine.charts}:
        raise OpsError(f"no chart {chart_id!r}", "not_found")
    principal.require_start(chart_id)
    try:
        return start_deferred(engine, chart_id, context, key=key)
    except DuplicateKey as exc:
        raise OpsError(str(exc), "conflict") from exc
    except StatewiseError as exc:  # the context does not fit the chart, ...
        raise OpsError(str(exc), "problem") from exc
