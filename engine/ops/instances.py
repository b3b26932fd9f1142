"""Finding one instance: by its id, or by its chart and business key; what it looks like.

Every operation that acts on one instance takes it either way, so a person can work with
the order number they know (``--chart yescart.order --key 100042``) instead of the id.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from engine.ops.errors import OpsError

if TYPE_CHECKING:
    from engine.store.ports import InstanceStore
    from engine.store.records import InstanceRecord

__all__ = ["details", "find_instance", "leaf_states"]


def find_instance(
    store: InstanceStore,
    instance_id: str | None = None,
    *,
    chart: str | None = None,
    key: str | None = None,
) -> InstanceRecord:
    """The instance ``instance_id``, or the one of ``chart`` with business key ``key``."""
    from engine.store.ports import InstanceNotFound

    if instance_id is not None and (chart is not None or key is not None):
        raise OpsError("name the instance by its id or by chart and key, not both", "usage")
    if instance_id is None:
        if chart is None or key is None:
            raise OpsError("name the instance by its id, or by chart and key", "usage")
        found = store.find(chart, key)
        if found is None:
            raise OpsError(f"chart {chart!r} has no instance with key {key!r}", "not_found")
        return found
    try:
        return store.load(instance_id)
    except InstanceNotFound:
        raise OpsError(f"no instance with id {instance_id!r}", "not_found") from None


def leaf_states(configuration: frozenset[str]) -> tuple[str, ...]:
    """The active states without an active child, sorted."""
    return tuple(
        sorted(s for s in configuration if not any(o.startswith(s + ".") for o in configuration))
    )


def details(record: InstanceRecord) -> dict[str, Any]:
    """What an operator wants to see of an instance, as plain values."""
    timers: dict[str, datetime] = {t.id: t.due for t in record.snapshot.timers.values()}
    return {
        "id": record.id,
        "chart": record.chart,
        "version": record.version,
        "key": record.key,
        "state": ",".join(leaf_states(record.snapshot.configuration)),
        "status": record.status,
        "context": dict(record.snapshot.context),
        "timers": timers,
        "created": record.created,
        "updated": record.updated,
    }
