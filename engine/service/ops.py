"""Operations for workers and operators, on top of an :class:`~engine.service.Engine`.

* :func:`fire_timer`: fire one (claimed) due timer as its own unit of work, then perform
  the effects its step committed.
* :func:`perform_outbox_item`: perform one (claimed) outbox item; a failure is recorded as
  an attempt with a backoff (:class:`RetryPolicy`), or, after ``max_attempts``, as a dead
  letter.
* :func:`send_deferred` / :func:`start_deferred`: commit one event's step (or a new
  instance) and leave its effects pending in the outbox for a worker (what the operator
  commands do: they hold no transports).
* an administrative change of state (audit kind ``forced``) is :mod:`engine.service.forcing`.

**Outbox delivery in the SQL deployment.** ``Engine.send`` commits and performs effects
inline, as always. A worker delivers what is left pending: items that failed, or whose
performer died. It treats an item as left pending once its next-attempt time is ``grace``
old (the committer is given that long to finish), so the worker and the committing process
never perform the same item at the same time. Delivery is *at least once*: a worker killed
between the effect and ``outbox_done`` performs it again after its lease; the handler gets
the same idempotency key (the item id) both times.

These functions reach into the engine's core (``engine._core``): the facade has no "fire
one timer" or "perform one item" call, and adding one is not this module's to do. They use
``Core.fire``, ``Core.apply``, its work queue and its ``_deliver``/``_spawn``/``_start_new``
steps, exactly as ``Core.drain`` does, but perform outbox items here, with the retry policy.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from engine.errors import StatewiseError
from engine.model import Chart
from engine.service.commit import EMPTY, AuditInfo, external_event
from engine.service.core import MAX_CASCADE, RACE_TRIES
from engine.service.effects import Delivery, StartOrder
from engine.service.instance import Instance
from engine.store.ports import ConcurrentUpdate, DuplicateKey, InstanceNotFound, StoreError
from engine.store.records import DueTimer, OutboxItem

if TYPE_CHECKING:
    from engine.service.facade import Engine
    from engine.store.records import InstanceRecord

__all__ = [
    "DEFAULT_POLICY",
    "Outcome",
    "RetryPolicy",
    "attempt",
    "drain",
    "fire_timer",
    "is_infrastructure",
    "perform_outbox_item",
    "send_deferred",
    "start_deferred",
]

log = logging.getLogger("statewise.worker")

#: what became of an outbox item: performed, to be tried again, given up on
Outcome = Literal["done", "retry", "dead"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter, and a dead letter after ``max_attempts``.

    Attempt ``n`` (1 = the first failure) waits ``base * 2**(n-1)`` seconds, at most
    ``cap``, stretched by a random factor in ``[1, 1 + jitter]``. ``grace`` is how old a
    pending item must be before a worker claims it (see the module docstring); the next
    attempt time stored is shifted back by it, so the retry happens after the backoff.
    """

    max_attempts: int = 8
    base: float = 2.0
    cap: float = 3600.0
    jitter: float = 0.25
    grace: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base < 0 or self.cap < 0 or self.jitter < 0 or self.grace < 0:
            raise ValueError("backoff, cap, jitter and grace must not be negative")

    def delay(self, attempt: int) -> timedelta:
        wait = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        return timedelta(seconds=wait * (1 + random.random() * self.jitter))

    def retry_at(self, attempt: int, now: datetime) -> datetime:
        """The next-attempt time to store after failed attempt ``attempt``."""
        return now + self.delay(attempt) - timedelta(seconds=self.grace)


DEFAULT_POLICY = RetryPolicy()


def is_infrastructure(exc: BaseException) -> bool:
    """True for failures of the database itself (unreachable, locked, gone away), which
    say nothing about the work: it is tried again once the database is back."""
    if not isinstance(exc, StoreError) or isinstance(
        exc, InstanceNotFound | DuplicateKey | ConcurrentUpdate
    ):
        return False
    from engine.store.sql.errors import DatabaseError  # only a SQL store raises these

    return isinstance(exc, DatabaseError)


# -- timers and the outbox ------------------------------------------------------------------
def fire_timer(
    engine: Engine, due: DueTimer, *, perform: bool = True, policy: RetryPolicy = DEFAULT_POLICY
) -> bool:
    """Fire one due timer as its own unit of work, then perform what its step committed.

    False when the timer no longer applies (the instance moved on, or refused its event).
    A failing step raises (nothing saved; the timer stays in the index and is tried again
    when its lease ends). ``perform=False`` leaves the step's outbox items pending for
    the outbox claims (a worker does so when the timer is so late that its items are
    already claimable by others). Database trouble raises; effect failures are recorded.
    """
    core = engine._core  # internal: the facade's tick() fires everything due at once
    for attempt in range(RACE_TRIES):
        try:
            fired = core.fire(due)
            break
        except ConcurrentUpdate:  # someone else saved the instance meanwhile: reload, retry
            core.batch.clear()
            if attempt == RACE_TRIES - 1:
                raise
    if not perform:
        core.batch[:] = [w for w in core.batch if not isinstance(w, OutboxItem)]
    drain(engine, policy, perform=perform)
    return fired


def perform_outbox_item(
    engine: Engine, item: OutboxItem, policy: RetryPolicy = DEFAULT_POLICY
) -> Outcome:
    """Perform one outbox item (and the work it leads to); record a failure with backoff.

    Returns ``done``, ``retry`` (the attempt failed; tried again later) or ``dead`` (the
    last allowed attempt failed: a dead letter). Database trouble raises (the item's lease
    runs out and another attempt follows).
    """
    outcome = attempt(engine, item, policy)
    drain(engine, policy, perform=True)
    return outcome


def attempt(
    engine: Engine,
    item: OutboxItem,
    policy: RetryPolicy = DEFAULT_POLICY,
    record: InstanceRecord | None = None,
    done: list[str] | None = None,
) -> Outcome:
    """:func:`perform_outbox_item` without the follow-up work. ``record``: the instance, if
    loaded already; ``done``: collects performed ids (the caller marks them done at once)."""
    core, store = engine._core, engine.store
    try:
        record = record or store.load(item.instance_id)
        loaded = core.registry.get(record.chart, record.version)
        follow = core.runner.perform(item, record, loaded.chart)
        rest = core.apply_outcomes(follow)  # a task's outcome is saved before the call is done
    except Exception as exc:  # a transport, a handler lookup, a missing chart ...
        if is_infrastructure(exc):
            raise
        return _failed(engine, item, exc, policy)
    if done is None:
        store.outbox_done(item.id)
    else:
        done.append(item.id)
    core.batch.extend(rest)
    return "done"


def _failed(engine: Engine, item: OutboxItem, exc: Exception, policy: RetryPolicy) -> Outcome:
    attempts = item.attempts + 1
    message = str(exc) or type(exc).__name__
    store: Any = engine.store  # outbox_failed's keywords are the SQL store's
    if attempts >= policy.max_attempts:
        log.error("outbox item %s: attempt %d failed, giving up: %s", item.id, attempts, message)
        store.outbox_failed(item.id, message, dead=True)
        return "dead"
    when = policy.retry_at(attempts, engine.clock.now())
    log.warning("outbox item %s: attempt %d failed, retrying: %s", item.id, attempts, message)
    store.outbox_failed(item.id, message, next_attempt_at=when)
    return "retry"


def drain(engine: Engine, policy: RetryPolicy = DEFAULT_POLICY, *, perform: bool = True) -> int:
    """Process the engine's queued follow-up work, depth first (as ``Core.drain``).

    Outbox items are performed with :func:`perform_outbox_item`'s failure handling, or,
    with ``perform=False``, left pending in the store for a worker. Returns how many
    pieces of work failed (each is logged). Database trouble empties the queue and raises.
    """
    core = engine._core
    queue, batch = core.queue, core.batch
    queue.extendleft(reversed(batch))
    batch.clear()
    failed = 0
    budget = MAX_CASCADE
    while queue:
        budget -= 1
        if budget < 0:
            log.error("more than %d follow-up steps in one call; stopped", MAX_CASCADE)
            queue.clear()
            break
        work = queue.popleft()
        try:
            if isinstance(work, OutboxItem):
                if perform and attempt(engine, work, policy) != "done":
                    failed += 1
            elif isinstance(work, Delivery):
                core._deliver(work)  # (an instance saved meanwhile is reloaded)
            elif isinstance(work, StartOrder):
                core._start_new(work)
            else:
                core._spawn(work)
        except StatewiseError as exc:
            if is_infrastructure(exc):
                queue.clear()
                batch.clear()
                raise
            log.warning("follow-up work failed: %s", exc)
            failed += 1
        if batch:
            queue.extendleft(reversed(batch))
            batch.clear()
    return failed


# -- operator changes -----------------------------------------------------------------------
def send_deferred(
    engine: Engine,
    instance_id: str,
    event: str,
    data: Mapping[str, Any] | None = None,
    *,
    actor: str | None = None,
    note: str | None = None,
    roles: Iterable[str] | None = None,
    client_note: str | None = None,
) -> Instance:
    """``Engine.send`` whose effects are left in the outbox for a worker to perform.

    Follow-up work that is not an outbox item (a parent told that its children are done)
    is still processed here. Raises ``EventRefused`` like ``send``.
    """
    core = engine._core
    record = engine.store.load(instance_id)
    loaded = core.registry.get(record.chart, record.version)
    ev = external_event(event, data, actor=actor, roles=roles, note=note, client_note=client_note)
    core.apply(record, loaded, ev, AuditInfo("event", actor, note, client_note))
    drain(engine, perform=False)
    return engine.get(instance_id)


def start_deferred(
    engine: Engine,
    chart: Chart | str,
    context: Mapping[str, Any] | None = None,
    *,
    key: str | None = None,
) -> Instance:
    """``Engine.start`` whose effects are left in the outbox for a worker to perform."""
    core = engine._core
    record = core.create(core.registry.resolve(chart), EMPTY if context is None else context, key)
    drain(engine, perform=False)
    return engine.get(record.id)
