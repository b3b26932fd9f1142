"""Timers fired in a pipeline: one batch is saved while the next is claimed and planned.

A batch's save on PostgreSQL is mostly the server's work (the instances updated, the audit
lines and the timer index written, in one statement); planning a batch is the worker's own
Python. Done one after the other, a worker keeps one core busy at a time. Here the save runs
on a second thread with its own connection, so the server saves batch N while the worker
claims, loads and plans batch N+1; then N is followed up (its effects, the timers that fire
alone) and N+1's save starts. At most one batch is in flight.

Nothing about exactly-once changes: a batch's steps commit together or not at all, effects
run only after that commit, and claimed timers keep their lease until their step commits (a
crash with a batch in flight fires its timers again after their lease). A timer of an
instance whose save is still in flight plans on the row before that save; its own save then
meets the new row version and the timer fires on its own, reloaded, as any lost race does.
"""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.service.batch import (
    FireCount,
    TimerBatch,
    finish_timers,
    plan_timers,
    save_timers,
)
from engine.service.ops import DEFAULT_POLICY, RetryPolicy

if TYPE_CHECKING:
    from engine.service import Engine
    from engine.store.ports import StoreError
    from engine.store.records import DueTimer, InstanceRecord

__all__ = ["TimerPipeline"]

log = logging.getLogger("statewise.worker")


@dataclass(slots=True)
class _InFlight:
    engine: Engine
    batch: TimerBatch
    saving: concurrent.futures.Future[list[InstanceRecord | StoreError]]
    inline: Callable[[DueTimer], bool]


class TimerPipeline:
    """Saves one batch of timers at a time on its own thread (see the module's text)."""

    def __init__(self) -> None:
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._inflight: _InFlight | None = None

    @property
    def busy(self) -> bool:
        """True while a batch is in flight (its save running or not yet followed up)."""
        return self._inflight is not None

    def fire(
        self,
        engine: Engine,
        dues: Sequence[DueTimer],
        *,
        inline: Callable[[DueTimer], bool],
        policy: RetryPolicy = DEFAULT_POLICY,
        stopping: Callable[[], bool] = lambda: False,
    ) -> FireCount:
        """Plan ``dues``, follow up the batch in flight, then start saving this one.

        Returns what became of the batch followed up (the one before) and of the timers of
        ``dues`` that needed no save. With no ``dues`` the batch in flight is settled and
        nothing is left in flight. Database trouble raises.
        """
        batch = plan_timers(engine, dues) if dues else None
        count = self.settle(policy, stopping)
        if batch is None:
            return count
        if not batch.plans:  # nothing to save: only failures or timers to fire alone
            done = finish_timers(engine, batch, [], inline=inline, policy=policy, stopping=stopping)
            return _sum(count, done)
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(1, "statewise-save")
        saving = self._pool.submit(save_timers, engine, batch)
        self._inflight = _InFlight(engine, batch, saving, inline)
        return count

    def settle(
        self, policy: RetryPolicy = DEFAULT_POLICY, stopping: Callable[[], bool] = lambda: False
    ) -> FireCount:
        """Wait for the batch in flight to be saved and follow it up (its database error,
        if any, raises here)."""
        flight, self._inflight = self._inflight, None
        if flight is None:
            return FireCount()
        saved = flight.saving.result()
        return finish_timers(
            flight.engine,
            flight.batch,
            saved,
            inline=flight.inline,
            policy=policy,
            stopping=stopping,
        )

    def abandon(self) -> None:
        """Wait for a save in flight without following it up (its store is going away).

        Its steps committed or not: either way nothing is lost. Timers whose step did not
        commit fire again after their lease; effects of steps that did stay in the outbox."""
        flight, self._inflight = self._inflight, None
        if flight is not None:
            concurrent.futures.wait([flight.saving])
            if flight.saving.exception() is None:
                log.info(
                    "a saved batch of timers was not followed up; its effects wait in the outbox"
                )

    def close(self) -> None:
        """Abandon what is in flight and stop the saving thread."""
        self.abandon()
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


def _sum(a: FireCount, b: FireCount) -> FireCount:
    return FireCount(a.fired + b.fired, a.skipped + b.skipped, a.failed + b.failed)
