"""Sending events on behalf of a person or a system: to one instance, or to many selected
ones (uStore's "select items, Process"), each in its own transaction with its own result.

The step is committed here; with ``deferred=True`` (what operator commands do: they hold no
transports) its effects stay in the outbox for a worker to perform.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from engine.service import Engine, Instance

__all__ = ["BulkResult", "SendResult", "Sender", "send_many", "send_one"]

Status = Literal["accepted", "refused", "failed"]


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
        reasons = tuple(b.message for b in refused.blockers) or (str(refused),)
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
) -> BulkResult:
    """``send_one`` for each instance; ``progress(done, total)`` after each."""
    ids: Sequence[str] = list(instance_ids)
    out = BulkResult()
    for n, iid in enumerate(ids, 1):
        out.results.append(send_one(engine, iid, event, data, sender=sender))
        if progress is not None:
            progress(n, len(ids))
    return out
