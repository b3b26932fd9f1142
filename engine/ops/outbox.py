"""The outbox as operators see it: what is still to be performed, the dead letters, and
handing dead letters back to the workers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.ops.errors import OpsError

if TYPE_CHECKING:
    from engine.runtime import Effect
    from engine.store.sql import SqlStore

__all__ = ["describe_effect", "retry_all", "retry_one"]


def describe_effect(effect: Effect) -> str:
    """One line for a person: ``email 'shipped' to a@b.c``, ``task authorize_payment``..."""
    from engine.runtime import (
        EventForInstance,
        NotifyRequested,
        SpawnRequested,
        StartRequested,
        TaskRequested,
    )

    if isinstance(effect, NotifyRequested):
        return f"{effect.channel} '{effect.template}' to {', '.join(effect.recipients)}"
    if isinstance(effect, TaskRequested):
        return f"task {effect.task}"
    if isinstance(effect, SpawnRequested):
        return f"spawn {len(effect.children)} x {effect.chart}"
    if isinstance(effect, StartRequested):
        return f"start {effect.chart}"
    if isinstance(effect, EventForInstance):
        return f"event {effect.event.name} to {effect.target}"
    return type(effect).__name__  # pragma: no cover


def retry_one(store: SqlStore, item_id: str) -> None:
    """Make one dead letter pending again (with a fresh count of attempts)."""
    if not store.requeue(item_id):
        raise OpsError(f"no dead letter with id {item_id!r}", "not_found")


def retry_all(store: SqlStore, batch: int = 500) -> list[str]:
    """Make every dead letter pending again; returns their ids."""
    retried: list[str] = []
    while found := store.dead_letters(batch):
        retried += [i.id for i in found if store.requeue(i.id)]
    return retried
