"""Delivering ``done.spawn`` that a crash kept from a parent.

A parent learns that the children of one of its spawns have all finished from work that
follows the last child's final commit; a process that dies in between (SIGKILL, a power cut,
a lost connection) loses that event, and the parent would wait for ever. The worker's
housekeeping calls :func:`announce_finished_spawns`: every spawn whose children have all
finished more than ``older_than`` ago (so the normal path has had its chance), whose parent
is still active and has no ``done.spawn.<id>`` in its audit trail since it asked for the
spawn (:meth:`SqlStore.unannounced_spawns`), and whose parent would take the event now, gets
it, as the normal path would have sent it (``{count}``). A parent that would not take it
(it moved on another way) is left alone: nothing is forced on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from engine.errors import StatewiseError
from engine.runtime import Event
from engine.service.commit import SYSTEM
from engine.service.ops import DEFAULT_POLICY, RetryPolicy, drain, is_infrastructure
from engine.store.ports import ConcurrentUpdate

if TYPE_CHECKING:
    from engine.service import Engine
    from engine.store.sql import SqlStore
    from engine.store.sql.spawns import SpawnGroup

__all__ = ["announce_finished_spawns"]

log = logging.getLogger("statewise.worker")

#: how long after a spawn's last child finished the worker steps in (the normal path first)
GRACE = timedelta(minutes=5)


def announce_finished_spawns(
    engine: Engine,
    older_than: timedelta = GRACE,
    *,
    page: int = 200,
    policy: RetryPolicy = DEFAULT_POLICY,
    stopping: Callable[[], bool] = lambda: False,
) -> int:
    """Deliver the ``done.spawn`` events parents never received; returns how many. The
    steps' effects are left in the outbox for the worker's claims."""
    store: SqlStore = engine.store  # type: ignore[assignment]
    before = store.database_now() - older_than
    after = ("", "")
    told = 0
    while not stopping():
        groups = store.unannounced_spawns(before, after, page)
        for group in groups:
            if _announce(engine, group, policy):
                told += 1
        if len(groups) < page:
            break
        after = (groups[-1].parent, groups[-1].tag)
    return told


def _announce(engine: Engine, group: SpawnGroup, policy: RetryPolicy) -> bool:
    """Deliver one lost ``done.spawn``, at most once even with several workers: the parent
    is loaded, then its trail checked (another worker's delivery commits with the parent's
    new row version), and the step is saved only on that very row version."""
    core = engine._core  # internal: the delivery is the core's own follow-up work
    store: SqlStore = engine.store  # type: ignore[assignment]
    event = Event(f"done.spawn.{group.spawn_id}", {"count": group.children}, origin="platform")
    record = store.load(group.parent)
    if store.spawn_announced(group):
        return False
    loaded = core.registry.get(record.chart, record.version)
    now = engine.clock.now()
    if not loaded.interpreter.explain(record.snapshot, event, now, instance=record.info).accepted:
        return False
    try:
        core.apply(record, loaded, event, SYSTEM)
    except ConcurrentUpdate:  # changed meanwhile (perhaps told by another worker): next round
        core.batch.clear()
        return False
    except StatewiseError as exc:  # its step failed (an action's error): the others go on
        if is_infrastructure(exc):
            raise
        core.batch.clear()
        log.error("%s: delivering the lost %s failed: %s", group.parent, event.name, exc)
        return False
    log.warning(
        "%s was never told that the %d children of spawn %s finished: delivered %s",
        group.parent,
        group.children,
        group.tag,
        event.name,
    )
    drain(engine, policy, perform=False)
    return True
