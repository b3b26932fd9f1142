"""An administrative change of state: an instance forced into a state, audited as kind
``forced`` with a mandatory reason (``statewise force``, the replay of such a line, and the
migration of instances to a new chart version, which enters states the same way).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from engine.model import ROOT, Chart, StateKind
from engine.runtime import Snapshot
from engine.service.commit import timer_changes
from engine.service.instance import Instance
from engine.store.records import ACTIVE, DONE, AuditRecord, Changes

if TYPE_CHECKING:
    from engine.service.facade import Engine
    from engine.service.registry import LoadedChart
    from engine.store.records import InstanceRecord

__all__ = ["entered_configuration", "force_state", "forced_snapshot"]


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
