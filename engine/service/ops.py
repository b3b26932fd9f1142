"""Operations for workers and operators, on top of an :class:`~engine.service.Engine`.

* :func:`fire_timer`: fire one (claimed) due timer as its own unit of work, then perform
  the effects its step committed.
* :func:`perform_outbox_item`: perform one (claimed) outbox item; a failure is recorded as
  an attempt with a backoff (:class:`RetryPolicy`), or, after ``max_attempts``, as a dead
  letter.
* :func:`send_deferred` / :func:`start_deferred`: commit one event's step (or a new
  instance) and leave its effects pending in the outbox for a worker (what the operator
  commands do: they hold no transports).
* :func:`force_state`: an administrative change of state (audit kind ``forced``).

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
from engine.model import ROOT, Chart, StateKind
from engine.runtime import Event, Snapshot
from engine.service.commit import EMPTY, AuditInfo, timer_changes
from engine.service.core import MAX_CASCADE, RACE_TRIES
from engine.service.effects import Delivery, StartOrder
from engine.service.instance import Instance
from engine.store.ports import ConcurrentUpdate, DuplicateKey, InstanceNotFound, StoreError
from engine.store.records import ACTIVE, DONE, AuditRecord, Changes, DueTimer, OutboxItem

if TYPE_CHECKING:
    from engine.service.facade import Engine
    from engine.service.registry import LoadedChart
    from engine.store.records import InstanceRecord

__all__ = [
    "DEFAULT_POLICY",
    "Outcome",
    "RetryPolicy",
    "attempt",
    "drain",
    "entered_configuration",
    "fire_timer",
    "force_state",
    "forced_snapshot",
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
    allowed = None if roles is None else frozenset(roles)
    ev = Event(
        event, EMPTY if data is None else data, "external", actor, allowed, note, client_note
    )
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


def entered_configuration(chart: Chart, target: str, domain: str, into: set[str]) -> None:
    """Add ``target``, its ancestors below ``domain`` and their default descendants.

    A compound state enters its initial state(s), a parallel one every region; a
    parallel ancestor entered on the way enters its other regions by default too.
    """
    states = chart.states
    chain = [target]
    for anc in chart.ancestors(target):
        if anc in (domain, ROOT):  # the root is never part of a configuration
            break
        chain.append(anc)
    into.update(chain)
    _descend(chart, target, into)
    for anc in chain[1:]:
        if states[anc].kind is StateKind.PARALLEL:
            for child in _regions(chart, anc):
                if child not in into:
                    _descend(chart, child, into)


def _regions(chart: Chart, state_id: str) -> list[str]:
    return [c.id for c in chart.children(state_id) if c.kind is not StateKind.HISTORY]


def _descend(chart: Chart, state_id: str, into: set[str]) -> None:
    into.add(state_id)
    state = chart.states[state_id]
    if state.kind is StateKind.PARALLEL:
        for child in _regions(chart, state_id):
            _descend(chart, child, into)
    elif state.kind is StateKind.COMPOUND:
        for initial in state.initial or tuple(_regions(chart, state_id)[:1]):
            entered_configuration(chart, initial, state_id, into)


def _orthogonal(chart: Chart, a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are in different regions of a parallel state."""
    if a == b or chart.is_descendant(a, b) or chart.is_descendant(b, a):
        return False
    common = next(x for x in chart.ancestors(a) if x == ROOT or chart.is_descendant(b, x))
    return common != ROOT and chart.states[common].kind is StateKind.PARALLEL


def forced_snapshot(
    loaded: LoadedChart, record: InstanceRecord, target: str, now: datetime
) -> Snapshot:
    """The snapshot after forcing ``record`` into ``target`` (a state id of its chart).

    Semantics: like an external transition into ``target`` from every active state that
    cannot stay beside it. Active states in other regions of a parallel ancestor stay; the
    others below the domain (the least compound ancestor of the target and those states)
    are exited, and ``target`` with its ancestors below the domain and its default
    descendants is entered. No actions run: the context, history and delayed sends stay as
    they are; the timers of exited states are cancelled and those of entered states
    started at ``now``. No ``done.state`` events are raised, no tasks are invoked. A
    top-level final target finishes the instance; forcing a finished instance revives it.
    """
    from engine.runtime.run import Run  # internal: the runtime has no "enter state" call
    from engine.runtime.timers import start_timer

    chart = loaded.chart
    before = record.snapshot
    states = chart.states
    leaves = [s for s in before.configuration if states[s].is_atomic]
    exclusive = [s for s in leaves if not _orthogonal(chart, s, target)]
    domain = chart.lcca([target, *exclusive])
    exited = {s for s in before.configuration if chart.is_descendant(s, domain)}
    entered: set[str] = set()
    entered_configuration(chart, target, domain, entered)
    config = frozenset((before.configuration - exited) | entered)
    tables = loaded.interpreter.tables
    run = Run(tables, before, config, None, now, record.info)
    for sid in sorted(exited, key=lambda s: -states[s].order):
        for t in tables.states[sid].timers:
            if t.timer_id is not None:
                run.cancel(t.timer_id)
    for sid in sorted(entered, key=lambda s: states[s].order):
        for t in tables.states[sid].timers:
            start_timer(chart, run, t)
    done = chart.top_level_final(target)
    timers = {} if done else dict(run.timers)  # a finished instance has no timers
    return Snapshot(config, before.context, before.history, timers, done, before.calls)


def force_state(
    engine: Engine, instance_id: str, target: str, *, reason: str, actor: str
) -> Instance:
    """Force an instance into ``target`` (a state reference); audited as kind ``forced``.

    ``reason`` is mandatory and kept as the audit line's note. See :func:`forced_snapshot`
    for what changes. ``KeyError`` for an unknown state; ``ConcurrentUpdate`` when the
    instance changed meanwhile (nothing saved).
    """
    if not reason.strip():
        raise ValueError("a forced change needs a reason")
    core = engine._core
    record = engine.store.load(instance_id)
    loaded = core.registry.get(record.chart, record.version)
    state = loaded.chart.resolve(target)
    if state == ROOT:
        raise KeyError(target)
    now = engine.clock.now()
    after = forced_snapshot(loaded, record, state, now)
    version = record.row_version
    line = AuditRecord(
        instance_id,
        version + 1,
        None,
        {"target": state},
        loaded.leaves(record.snapshot.configuration),
        loaded.leaves(after.configuration),
        actor,
        reason,
        None,
        now,
        "forced",
    )
    engine.store.save(
        instance_id,
        after,
        status=DONE if after.done else ACTIVE,
        expected_version=version,
        time=now,
        changes=Changes(audit=(line,), timers=timer_changes(record.snapshot, after)),
    )
    return engine.get(instance_id)
