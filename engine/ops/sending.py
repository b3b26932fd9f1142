"""Sending events on behalf of a person or a system: to one instance, or to many selected
ones (uStore's "select items, Process"), each in its own transaction with its own result.
:func:`send_picked` sends to the instances a person named one by one (ids or business keys,
:func:`engine.ops.select.pick`) and reports every name: accepted, refused (why), not found.

The step is committed here; with ``deferred=True`` (what operator commands do: they hold no
transports) its effects stay in the outbox for a worker to perform.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from engine.ops.select import Picked
    from engine.service import Engine, Instance

__all__ = ["BulkResult", "SendResult", "Sender", "send_many", "send_one", "send_picked"]

#: ``not_found``: a name given for the instance matched none (only :func:`send_picked`)
Status = Literal["accepted", "refused", "failed", "not_found"]


@dataclass(frozen=True, slots=True)
class SendResult:
    """What became of one event for one instance."""

    id: str
    event: str
    status: Status
    from_states: tuple[str, ...] = ()
    to_states: tuple[str, ...] = ()
    #: why it was refused (one line per blocker) or why it failed
    reasons: tuple[str, ...] = ()
    #: failed for a passing reason (the database, a concurrent change): nothing was saved
    #: and the same request may succeed when tried again
    transient: bool = False

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"


@dataclass(slots=True)
class BulkResult:
    """The per-item results of a bulk send, in the order the instances were given."""

    results: list[SendResult] = field(default_factory=list)

    def of(self, status: Status) -> list[SendResult]:
        return [r for r in self.results if r.status == status]

    @property
    def ok(self) -> bool:
        return all(r.accepted for r in self.results)


@dataclass(frozen=True, slots=True)
class Sender:
    """Who sends, and how: the audit fields and the roles the chart's ``manual.roles`` check."""

    actor: str | None = None
    roles: frozenset[str] | None = None
    note: str | None = None
    deferred: bool = True
    #: what the customer is told (Yes!Cart's client-facing note), kept in the audit trail
    client_note: str | None = None


def _apply(engine: Engine, iid: str, event: str, data: Any, who: Sender) -> Instance:
    from engine.service.ops import send_deferred

    if who.deferred:
        return send_deferred(
            engine,
            iid,
            event,
            data,
            actor=who.actor,
            note=who.note,
            roles=who.roles,
            client_note=who.client_note,
        )
    return engine.send(
        iid,
        event,
        data,
        actor=who.actor,
        note=who.note,
        client_note=who.client_note,
        roles=who.roles,
    )


def send_one(
    engine: Engine,
    instance_id: str,
    event: str,
    data: Mapping[str, Any] | None = None,
    *,
    sender: Sender | None = None,
) -> SendResult:
    """Send ``event``; a refusal or failure is a result, not an exception.

    A concurrent change is retried once on the fresh instance.
    """
    from engine.errors import StatewiseError
    from engine.runtime import EventRefused
    from engine.store import ConcurrentUpdate

    who = sender or Sender()
    try:
        before = engine.get(instance_id).leaf_states
        try:
            after = _apply(engine, instance_id, event, data, who)
        except ConcurrentUpdate:  # changed meanwhile: once more on the fresh instance
            before = engine.get(instance_id).leaf_states
            after = _apply(engine, instance_id, event, data, who)
    except EventRefused as refused:
        reasons = refused.reasons
        return SendResult(instance_id, event, "refused", reasons=reasons)
    except StatewiseError as exc:
        from engine.service.ops import is_infrastructure

        passing = isinstance(exc, ConcurrentUpdate) or is_infrastructure(exc)
        return SendResult(instance_id, event, "failed", reasons=(str(exc),), transient=passing)
    return SendResult(instance_id, event, "accepted", tuple(before), tuple(after.leaf_states))


def send_many(
    engine: Engine,
    instance_ids: Iterable[str],
    event: str,
    data: Mapping[str, Any] | None = None,
    *,
    sender: Sender | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 500,
) -> BulkResult:
    """Send ``event`` to every instance of ``instance_ids``; a result per instance, in order.

    Each instance's step is its own unit of work (all or nothing; a refusal or a failure is
    that instance's result and does not stop the others), and ``batch_size`` of them are
    committed together in one transaction (one commit for many steps: see
    :mod:`engine.service.batch`); ``batch_size=1`` commits each on its own.
    ``progress(done, total)`` is called after each batch. An instance named twice gets the
    event twice, one after the other.
    """
    from engine.service.batch import send_events

    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    who = sender or Sender()
    ids: Sequence[str] = list(instance_ids)
    out = BulkResult()
    total, n = len(ids), 0
    while n < total:
        chunk: list[str] = []
        seen: set[str] = set()
        while (
            n + len(chunk) < total and len(chunk) < batch_size and ids[n + len(chunk)] not in seen
        ):
            seen.add(ids[n + len(chunk)])
            chunk.append(ids[n + len(chunk)])
        if batch_size == 1:
            out.results.append(send_one(engine, chunk[0], event, data, sender=who))
        else:
            for r in send_events(
                engine,
                chunk,
                event,
                data,
                actor=who.actor,
                note=who.note,
                roles=who.roles,
                perform=not who.deferred,
                client_note=who.client_note,
            ):
                out.results.append(
                    SendResult(r.id, event, r.status, r.before, r.after, r.reasons, r.transient)
                )
        n += len(chunk)
        if progress is not None:
            progress(n, total)
    return out


def send_picked(
    engine: Engine,
    picked: Sequence[Picked],
    event: str,
    data: Mapping[str, Any] | None = None,
    *,
    sender: Sender | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BulkResult:
    """Send ``event`` to each instance a person picked (:func:`send_many`: each its own unit
    of work); a result per name, in the order given. A name that matched no instance is a
    ``not_found`` result (its ``id`` is the name as given, ``reasons`` say why) and nothing
    is sent for it."""
    found = [p.record.id for p in picked if p.record is not None]
    sent = {
        r.id: r
        for r in send_many(engine, found, event, data, sender=sender, progress=progress).results
    }
    out = BulkResult()
    for p in picked:
        if p.record is None:
            out.results.append(SendResult(p.given, event, "not_found", reasons=(p.missing or "",)))
        else:
            out.results.append(sent[p.record.id])
    return out
