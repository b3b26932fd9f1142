"""The worker: fires due timers and delivers the outbox, until told to stop.

One pass claims up to ``batch`` due timers (leased to this worker for ``lease``) and fires
them, their steps committed together in one transaction (each step still all or nothing on
its own, see :mod:`engine.service.batch`), then claims up to ``batch`` outbox items left
pending and performs them (failures back off exponentially; after ``max_attempts`` an item
becomes a dead letter). When a pass found nothing, the worker sleeps ``poll`` seconds.
Times (due, lease) are the database's when the engine's clock is a
:class:`~engine.worker.clock.DatabaseClock` (``statewise worker`` uses one).

* **Several workers** share the work on PostgreSQL: claims use ``FOR UPDATE SKIP LOCKED``
  and a lease, so no two workers get the same timer or item. On SQLite run one worker.
* **SIGTERM / SIGINT**: the worker finishes the item it is working on, then exits 0.
  Timers and items it had claimed but not started wait for their lease to end.
* **The database going away**: every database error is logged, the store closed, and the
  worker reconnects with backoff (``poll`` doubling up to 30 s), then goes on. With
  ``once`` (a run from cron or a script) the worker gives up after
  :data:`ONCE_ATTEMPTS` failed attempts and raises :class:`DatabaseUnavailable`, so a
  database that cannot work (a missing or read-only SQLite file, a file that is not a
  database, a refused connection) ends the run with an error in bounded time.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import FrameType
from typing import TYPE_CHECKING

from engine.errors import StatewiseError
from engine.ops.retention import archive_finished, purge_outbox
from engine.ops.setup import open_store, sqlite_path
from engine.ops.spawns import announce_finished_spawns
from engine.service.batch import FireCount, deliver_outbox, fire_timers
from engine.service.ops import RetryPolicy, fire_timer, is_infrastructure, perform_outbox_item
from engine.worker.pipeline import TimerPipeline

if TYPE_CHECKING:
    from engine.service import Engine
    from engine.store.records import DueTimer
    from engine.store.sql import SqlStore

__all__ = ["ONCE_ATTEMPTS", "DatabaseUnavailable", "Stats", "Worker", "WorkerSettings"]

log = logging.getLogger("statewise.worker")

#: the longest pause between reconnection attempts
MAX_BACKOFF = 30.0
#: attempts a ``once`` run makes on a database that fails before it gives up
ONCE_ATTEMPTS = 3


class DatabaseUnavailable(StatewiseError):
    """A ``once`` run could not work with the database (after :data:`ONCE_ATTEMPTS` tries)."""


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    url: str
    owner: str
    batch: int = 100
    poll: float = 1.0
    lease: float = 300.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    once: bool = False
    #: the claimed timers' steps in one transaction, the delivered items marked done in one
    #: statement; False: each its own transaction (the path before batching)
    batched: bool = True
    #: on PostgreSQL, a batch of timers is saved on a second thread while the next batch is
    #: claimed and planned (:mod:`engine.worker.pipeline`); False: one after the other
    pipelined: bool = True
    #: housekeeping: done outbox items older than this many seconds are deleted (None: kept)
    purge_after: float | None = 30 * 86400.0
    #: instances finished longer ago than this many seconds are archived (None: not)
    archive_after: float | None = None
    #: seconds between two rounds of housekeeping
    housekeeping_every: float = 300.0
    #: housekeeping delivers ``done.spawn`` that a crash kept from a parent when the spawn's
    #: last child finished longer ago than this many seconds (None: not)
    announce_after: float | None = 300.0


@dataclass(slots=True)
class Stats:
    fired: int = 0
    skipped: int = 0
    timer_failures: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    reconnects: int = 0
    purged: int = 0
    archived: int = 0
    #: ``done.spawn`` events a crash had kept from parents, delivered by housekeeping
    announced: int = 0

    def __str__(self) -> str:
        return (
            f"{self.fired} timer(s) fired, {self.skipped} no longer due, "
            f"{self.timer_failures} failed; {self.delivered} outbox item(s) delivered, "
            f"{self.retried} to retry, {self.dead} dead; {self.reconnects} reconnect(s); "
            f"{self.purged} done outbox item(s) purged, {self.archived} instance(s) archived"
            + (f"; {self.announced} lost spawn completion(s) delivered" if self.announced else "")
        )


class Worker:
    """Runs passes until stopped. ``make_engine(store)`` builds the engine for a store."""

    def __init__(self, settings: WorkerSettings, make_engine: Callable[[SqlStore], Engine]):
        self.settings = settings
        self.make_engine = make_engine
        self.stats = Stats()
        self._stop = threading.Event()
        self._store: SqlStore | None = None
        self._engine: Engine | None = None
        self._housekeeping_at = 0.0  # monotonic time of the next round
        self._pipeline = TimerPipeline()

    # -- control ----------------------------------------------------------------------
    def stop(self, *_args: object) -> None:
        """Ask the worker to stop after the item it is working on (signal-safe)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> Stats:
        """Work until stopped (or, with ``once``, until nothing is due). Returns the stats."""
        handlers = self._install_signals()
        try:
            self._loop()
        finally:
            self._close()
            self._pipeline.close()
            for signum, old in handlers.items():
                signal.signal(signum, old)
        return self.stats

    def _install_signals(self) -> dict[int, Callable[[int, FrameType | None], object] | int]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        old: dict[int, Callable[[int, FrameType | None], object] | int] = {}
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous = signal.signal(signum, self.stop)
            old[signum] = previous if previous is not None else signal.SIG_DFL
        return old

    # -- the loop ---------------------------------------------------------------------
    def _loop(self) -> None:
        pause = self.settings.poll
        failures = 0
        while not self.stopping:
            try:
                engine = self._connect()
                busy = self.run_pass(engine)
                if self.settings.once and not busy:  # all done: housekeeping, then exit
                    self._housekeeping_at = min(self._housekeeping_at, time.monotonic())
                busy = self.housekeep(engine) or busy
            except StatewiseError as exc:
                if not is_infrastructure(exc):
                    raise
                failures += 1
                self._close()
                if self.settings.once and failures >= ONCE_ATTEMPTS:
                    raise DatabaseUnavailable(
                        f"the database cannot be used ({failures} attempts): {exc}"
                    ) from exc
                self.stats.reconnects += 1
                log.warning("database unavailable (%s); retrying in %.1f s", exc, pause)
                self._stop.wait(pause)
                pause = min(MAX_BACKOFF, max(pause, 0.1) * 2)
                continue
            failures = 0
            pause = self.settings.poll
            if self.settings.once and not busy:
                break  # (nothing is in flight when a pass found nothing; settled anyway)
            if not busy:
                self._stop.wait(self.settings.poll)
        self._settle()

    def _settle(self) -> None:
        """Follow up the batch of timers still in flight (when stopping)."""
        if not self._pipeline.busy or self._engine is None:
            return
        try:
            self._count(self._pipeline.settle(self.settings.policy))
        except StatewiseError as exc:
            if not is_infrastructure(exc):
                raise
            log.warning("the last batch of timers was not followed up: %s", exc)

    def _connect(self) -> Engine:
        url = self.settings.url
        path = sqlite_path(url)
        if self._engine is not None:
            if path is None or path.is_file():
                return self._engine
            self._close()  # the SQLite file went away: do not write to a detached file
        store = open_store(url)
        try:
            store.check_writable()  # a worker writes; a read-only database fails here
            engine = self.make_engine(store)
        except BaseException:
            store.close()
            raise
        self._store, self._engine = store, engine
        log.info("worker %s connected to %s", self.settings.owner, store.url)
        return engine

    def _close(self) -> None:
        self._pipeline.abandon()  # its save uses the store's connections: wait for it
        store, self._store, self._engine = self._store, None, None
        if store is not None:
            try:
                store.close()
            except Exception:  # closing a broken connection may fail too
                log.debug("closing the store failed", exc_info=True)

    def housekeep(self, engine: Engine) -> bool:
        """When due: purge done outbox items and archive finished instances, a few batches
        at a time (so timers never wait long), and deliver the ``done.spawn`` events a crash
        kept from parents (:mod:`engine.ops.spawns`); True when more is left for the next
        round. A failure is logged and tried again at the next round."""
        s = self.settings
        if time.monotonic() < self._housekeeping_at or self.stopping:
            return False
        store: SqlStore = engine.store  # type: ignore[assignment]
        more = False
        try:
            if s.purge_after is not None:
                swept = purge_outbox(
                    store,
                    timedelta(seconds=s.purge_after),
                    stopping=self._stop.is_set,
                    max_batches=5,
                )
                self.stats.purged += swept.count
                more = not swept.complete
            if s.archive_after is not None and not self.stopping:
                swept = archive_finished(
                    store,
                    timedelta(seconds=s.archive_after),
                    stopping=self._stop.is_set,
                    max_batches=5,
                )
                self.stats.archived += swept.count
                more = more or not swept.complete
            if s.announce_after is not None and not self.stopping:
                self.stats.announced += announce_finished_spawns(
                    engine,
                    timedelta(seconds=s.announce_after),
                    policy=s.policy,
                    stopping=self._stop.is_set,
                )
        except StatewiseError as exc:
            log.error("housekeeping failed (tried again in %.0f s): %s", s.housekeeping_every, exc)
            more = False
        self._housekeeping_at = 0.0 if more else time.monotonic() + s.housekeeping_every
        return more

    def run_pass(self, engine: Engine) -> bool:
        """Claim and process one batch of timers and one of outbox items; True if any."""
        s = self.settings
        store: SqlStore = engine.store  # type: ignore[assignment]
        sync = getattr(engine.clock, "sync", None)
        if sync is not None:  # a DatabaseClock: leases and due times by the database's clock
            sync()
        lease = timedelta(seconds=s.lease)
        now = engine.clock.now()
        timers = store.claim_due_timers(now, s.batch, s.owner, lease)
        half_grace = timedelta(seconds=s.policy.grace / 2)

        def inline(due: DueTimer) -> bool:
            # items of a late timer are claimable by other workers at once: leave them
            # to the outbox claims instead of performing them here
            return engine.clock.now() - due.due < half_grace

        if s.batched and s.pipelined and store.dialect == "postgresql":
            fire = self._pipeline.fire
            self._count(
                fire(engine, timers, inline=inline, policy=s.policy, stopping=self._stop.is_set)
            )
        elif s.batched:
            self._count(
                fire_timers(
                    engine, timers, inline=inline, policy=s.policy, stopping=self._stop.is_set
                )
            )
        else:
            self._fire_each(engine, timers, inline)
        if self.stopping:
            return True
        grace = timedelta(seconds=s.policy.grace)
        now = engine.clock.now()
        items = store.claim_outbox(now - grace, s.batch, s.owner, lease + grace)
        if s.batched:
            outcomes = deliver_outbox(engine, items, s.policy, stopping=self._stop.is_set)
        else:
            outcomes = []
            for item in items:
                if self.stopping:
                    break
                outcomes.append(perform_outbox_item(engine, item, s.policy))
        for outcome in outcomes:
            if outcome == "done":
                self.stats.delivered += 1
            elif outcome == "retry":
                self.stats.retried += 1
            else:
                self.stats.dead += 1
        return bool(timers or items)

    def _count(self, count: FireCount) -> None:
        self.stats.fired += count.fired
        self.stats.skipped += count.skipped
        self.stats.timer_failures += count.failed

    def _fire_each(
        self, engine: Engine, timers: tuple[DueTimer, ...], inline: Callable[[DueTimer], bool]
    ) -> None:
        """Each timer its own unit of work (``--unbatched``: the path before batching)."""
        for due in timers:
            if self.stopping:
                return
            try:
                if fire_timer(engine, due, perform=inline(due), policy=self.settings.policy):
                    self.stats.fired += 1
                else:
                    self.stats.skipped += 1
            except StatewiseError as exc:
                if is_infrastructure(exc):
                    raise
                self.stats.timer_failures += 1
                log.error("timer %s of %s failed: %s", due.timer_id, due.instance_id, exc)
