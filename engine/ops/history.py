"""An instance's audit trail as plain values (what ``history --json`` and the API return,
and what ``statewise render --history FILE`` reads back)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.ops.errors import OpsError

if TYPE_CHECKING:
    from engine.store.ports import InstanceStore
    from engine.store.records import AuditRecord

__all__ = ["audit_entry", "instance_history", "path_records"]


def instance_history(store: InstanceStore, instance_id: str) -> tuple[AuditRecord, ...]:
    """The audit trail of an instance, live or archived (a SQL store reads the archive)."""
    from engine.store.ports import InstanceNotFound

    try:
        return store.history(instance_id)
    except InstanceNotFound:
        raise OpsError(f"no instance with id {instance_id!r}", "not_found") from None


def audit_entry(r: AuditRecord) -> dict[str, Any]:
    return {
        "seq": r.seq,
        "kind": r.kind,
        "event": r.event,
        "data": r.data,
        "from_states": r.from_configuration,
        "to_states": r.to_configuration,
        "actor": r.actor,
        "note": r.note,
        "client_note": r.client_note,
        "time": r.time,
        "origin": r.origin,
        "roles": r.roles,
        "changes": r.changes,
        "effects": r.effects,
    }


def path_records(trail: tuple[AuditRecord, ...]) -> list[Any]:
    """The steps of a trail as the renderers' ``HistoryRecord`` values (the path overlay)."""
    from renderers.overlay import HistoryRecord

    return [
        HistoryRecord(r.event or "", r.from_configuration, r.to_configuration, r.time)
        for r in trail
        if r.kind in ("start", "event", "forced")
    ]
