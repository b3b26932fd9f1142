"""Everything an operator sees of one instance, computed once for the console page and the
API: details and context, the audit trail with actors and notes, pending timers with due
times, children with their states, what the instance sent (each message rendered as the
customer got it), the actions the caller may take, and its path for the diagram overlay.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from engine.ops.actions import ActionView, actions_for
from engine.ops.history import audit_entry, path_records
from engine.ops.instances import details, leaf_states
from engine.ops.outbox import describe_effect

if TYPE_CHECKING:
    from engine.model import Chart
    from engine.service import Engine
    from engine.store.records import InstanceRecord
    from engine.store.sql import OutboxEntry, SqlStore

__all__ = ["InstanceView", "SentItem", "instance_view"]


@dataclass(frozen=True, slots=True)
class SentItem:
    """One effect the instance's steps asked for: a message (rendered) or other work."""

    id: str
    kind: str
    summary: str
    status: str
    attempts: int
    error: str | None
    created: datetime
    channel: str | None = None
    recipients: tuple[str, ...] = ()
    subject: str | None = None
    body: str | None = None

    def data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "summary": self.summary,
            "status": self.status,
            "attempts": self.attempts,
            "error": self.error,
            "created": self.created,
            "channel": self.channel,
            "recipients": list(self.recipients),
            "subject": self.subject,
            "body": self.body,
        }


@dataclass(frozen=True, slots=True)
class InstanceView:
    record: InstanceRecord
    chart: Chart
    details: dict[str, Any]
    trail: list[dict[str, Any]]
    timers: list[dict[str, Any]]
    children: list[dict[str, Any]]
    sent: list[SentItem]
    actions: list[ActionView]
    #: the audit trail as the renderers' history records (the path overlay)
    path: list[Any]
    leaves: tuple[str, ...]

    def data(self) -> dict[str, Any]:
        return {
            **self.details,
            "states": list(self.leaves),
            "parent": self.record.parent,
            "history": self.trail,
            "timers": self.timers,
            "children": self.children,
            "sent": [s.data() for s in self.sent],
            "actions": [a.data() for a in self.actions],
        }


def _sent(entry: OutboxEntry, chart: Chart, record: InstanceRecord) -> SentItem:
    from engine.notify.dispatcher import Dispatcher, NotificationError
    from engine.runtime import NotifyRequested

    item, effect = entry.item, entry.item.effect
    base = (item.id, type(effect).__name__, describe_effect(effect), entry.status,
            item.attempts, item.error, entry.created)  # fmt: skip
    if not isinstance(effect, NotifyRequested):
        return SentItem(*base)
    try:
        message = Dispatcher().render(effect, chart, record.info)
    except NotificationError as exc:
        return SentItem(*base, effect.channel, tuple(effect.recipients), None, f"({exc})")
    return SentItem(
        *base, message.channel, tuple(message.recipients), message.subject, message.body
    )


def instance_view(
    engine: Engine, store: SqlStore, record: InstanceRecord, roles: Iterable[str] | None
) -> InstanceView:
    """The instance page's data; ``roles`` decide which actions are listed."""
    chart = engine.get(record.id).definition
    trail = store.history(record.id)
    timers = sorted(record.snapshot.timers.values(), key=lambda t: t.due)
    children = [
        {
            "id": c.id,
            "chart": c.chart,
            "key": c.key,
            "state": ", ".join(leaf_states(c.snapshot.configuration)),
            "status": c.status,
            "updated": c.updated,
        }
        for c in store.children(record.id)
    ]
    return InstanceView(
        record,
        chart,
        details(record),
        [audit_entry(r) for r in trail],
        [{"id": t.id, "due": t.due, "event": t.event} for t in timers],
        children,
        [_sent(e, chart, record) for e in store.outbox_of(record.id)],
        actions_for(engine, record.id, roles) if record.status == "active" else [],
        path_records(trail),
        leaf_states(record.snapshot.configuration),
    )
