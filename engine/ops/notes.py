"""A person's note in an instance's audit trail; nothing else about the instance changes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from engine.ops.errors import OpsError
from engine.ops.instances import leaf_states

if TYPE_CHECKING:
    from engine.store.ports import InstanceStore
    from engine.store.records import InstanceRecord

__all__ = ["add_note"]


def add_note(
    store: InstanceStore,
    record: InstanceRecord,
    text: str,
    *,
    actor: str,
    now: datetime | None = None,
) -> None:
    """Append ``text`` by ``actor`` (kind ``note``) in one transaction.

    Written straight to the store: a note needs no chart (``Engine.note`` does the same).
    ``ConcurrentUpdate`` when the instance changed since ``record`` was read.
    """
    from engine.service.commit import EMPTY
    from engine.store.records import AuditRecord, Changes

    if not text.strip():
        raise OpsError("the note is empty", "usage")
    from engine.limits import DEFAULT_LIMITS
    from engine.service.core import check_audit_text

    check_audit_text(actor, text, limit=DEFAULT_LIMITS.note)  # as Engine.note does
    when = datetime.now(UTC) if now is None else now
    leaves = leaf_states(record.snapshot.configuration)
    line = AuditRecord(
        record.id,
        record.row_version + 1,
        None,
        EMPTY,
        leaves,
        leaves,
        actor,
        text,
        None,
        when,
        "note",
    )
    store.save(
        record.id,
        record.snapshot,
        status=record.status,
        expected_version=record.row_version,
        time=when,
        changes=Changes(audit=(line,)),
    )
