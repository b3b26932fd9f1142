"""Moving running instances from one version of a chart to another (``statewise migrate``).

A running instance stays on the version it started with; a new version is registered
beside it. A migration moves instances explicitly, with a state mapping:

* each active leaf state maps through ``--map OLD=NEW`` (the nearest mapped ancestor
  counts too); a state with no mapping keeps its id when the new version has it
  (:class:`~engine.model.mapping.StateMap`, which ``statewise replay`` uses too);
* the new configuration holds the mapped states, their ancestors and default substates;
* the context is kept, checked against the new version's context (new fields get their
  defaults);
* timers of states that stay (same id, same timer in the new version) keep their due
  times; timers of states left are cancelled; timers of states entered start at the
  migration time; delayed sends are kept;
* no actions run; the move is audited (kind ``forced``, data ``from_version``/``to_version``).

An instance is *stranded* when a state has no mapping, maps to a state the new version
does not have, the mapped states cannot be active together, or the context does not fit;
stranded instances are reported and left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from engine.errors import StatewiseError
from engine.model import ROOT, Chart, StateKind
from engine.model.mapping import StateMap, UnknownReference
from engine.ops.errors import OpsError
from engine.runtime import Interpreter, Snapshot
from engine.service.forcing import entered_configuration

if TYPE_CHECKING:
    from engine.store.records import InstanceRecord, SaveUnit
    from engine.store.sql import SqlStore

__all__ = ["Migration", "Move", "migrate", "move_unit"]


@dataclass(slots=True)
class Move:
    """What migrating one instance does (or why it cannot)."""

    id: str
    key: str | None
    from_states: tuple[str, ...]
    to_states: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    cancelled: tuple[str, ...] = ()
    started: tuple[str, ...] = ()
    problem: str | None = None
    snapshot: Snapshot | None = field(default=None, repr=False)


class Migration:
    """Plans moves from ``old`` to ``new`` (two versions of one chart) with ``mapping``."""

    def __init__(self, old: Chart, new: Chart, mapping: Mapping[str, str]) -> None:
        if old.id != new.id:
            raise OpsError(f"{new.id!r} is not a version of {old.id!r}", "usage")
        if old.version == new.version:
            raise OpsError(f"both charts are version {old.version}", "usage")
        self.old, self.new = old, new
        try:
            self.states = StateMap(old, new, mapping)
        except UnknownReference as exc:
            if exc.candidates:
                raise OpsError(str(exc), "usage") from None
            raise OpsError(
                f"--map {exc.ref}={exc.target}: version {old.version} has no state {exc.ref!r}",
                "usage",
            ) from None
        self._old_tables = Interpreter(old).tables
        self._new = Interpreter(new)
        self._old_timer_ids = {
            t.timer_id
            for info in self._old_tables.states.values()
            for t in info.timers
            if t.timer_id is not None
        }

    def plan(self, record: InstanceRecord, now: datetime) -> Move:
        old, new = self.old, self.new
        before = record.snapshot
        leaves = tuple(sorted((s for s in before.configuration if old.states[s].is_atomic),
                              key=lambda s: old.states[s].order))  # fmt: skip
        move = Move(record.id, record.key, leaves)
        targets: list[str] = []
        for leaf in leaves:
            target, problem = self.states.target(leaf)
            if problem is not None:
                move.problem = problem
                return move
            assert target is not None
            targets.append(target)
        config = self._configuration(targets)
        if isinstance(config, str):
            move.problem = config
            return move
        try:
            from engine.runtime.data import coerce_context

            context = coerce_context(new, before.context)
        except StatewiseError as exc:
            move.problem = f"the context does not fit version {new.version}: {exc}"
            return move
        after = self._timers(record, before, config, context, now, move)
        move.snapshot = after
        move.to_states = tuple(sorted((s for s in config if new.states[s].is_atomic),
                                      key=lambda s: new.states[s].order))  # fmt: skip
        return move

    def _configuration(self, targets: list[str]) -> frozenset[str] | str:
        chart = self.new
        required = set(targets)
        for t in targets:
            required.update(a for a in chart.ancestors(t) if a != ROOT)
        into = set(required)
        for t in targets:
            entered_configuration(chart, t, t, into)
        for sid in sorted(required, key=lambda s: chart.states[s].order):
            state = chart.states[sid]
            if state.kind is StateKind.PARALLEL:
                for child in chart.children(sid):
                    if child.kind is StateKind.HISTORY:
                        continue
                    if not any(r == child.id or chart.is_descendant(r, child.id) for r in into):
                        entered_configuration(chart, child.id, child.id, into)
        for sid in [ROOT, *into]:
            state = chart.states[sid]
            if state.kind in (StateKind.COMPOUND,) or sid == ROOT:
                active = [c for c in state.children if c in into]
                if len(active) > 1:
                    return f"states {', '.join(active)} cannot be active together"
        return frozenset(into)

    def _timers(
        self,
        record: InstanceRecord,
        before: Snapshot,
        config: frozenset[str],
        context: Mapping[str, Any],
        now: datetime,
        move: Move,
    ) -> Snapshot:
        from engine.runtime import InstanceInfo
        from engine.runtime.run import Run  # internal: no "enter state" call in the runtime
        from engine.runtime.timers import start_timer

        tables = self._new.tables
        new_ids = {
            t.timer_id: sid
            for sid, info in tables.states.items()
            for t in info.timers
            if t.timer_id is not None
        }
        kept: dict[str, Any] = {}
        cancelled: list[str] = []
        for tid, timer in before.timers.items():
            if tid not in self._old_timer_ids:
                kept[tid] = timer  # a delayed send
            elif new_ids.get(tid) in config and new_ids[tid] in before.configuration:
                kept[tid] = timer
            else:
                cancelled.append(tid)
        history = {h: v for h, v in before.history.items() if h in self.new.states}
        base = Snapshot(config, context, history, kept, False, before.calls)
        info = InstanceInfo(record.id, record.key, self.new.id, self.new.version, record.parent)
        run = Run(tables, base, config, None, now, info)
        for sid in sorted(config, key=lambda s: self.new.states[s].order):
            for t in tables.states[sid].timers:
                stays = sid in before.configuration and t.timer_id in self._old_timer_ids
                if t.timer_id is not None and t.timer_id not in kept and not stays:
                    start_timer(self.new, run, t)
        move.kept = tuple(sorted(kept))
        move.cancelled = tuple(sorted(cancelled))
        move.started = tuple(sorted(set(run.timers) - set(kept)))
        done = any(self.new.top_level_final(s) for s in config)
        timers = {} if done else dict(run.timers)
        return Snapshot(config, context, history, timers, done, before.calls)


def move_unit(
    record: InstanceRecord, migration: Migration, move: Move, *, actor: str, now: datetime
) -> SaveUnit:
    """The unit of work that saves ``move`` (planned for ``record``), audited."""
    from engine.service.commit import timer_changes
    from engine.store.records import ACTIVE, DONE, AuditRecord, Changes, SaveUnit

    after = move.snapshot
    assert after is not None and move.problem is None
    old, new = migration.old.version, migration.new.version
    version = record.row_version
    line = AuditRecord(
        record.id,
        version + 1,
        None,
        {"from_version": old, "to_version": new},
        move.from_states,
        move.to_states,
        actor,
        f"migrated from version {old} to version {new}",
        None,
        now,
        "forced",
    )
    changes = Changes(audit=(line,), timers=timer_changes(record.snapshot, after))
    status = DONE if after.done else ACTIVE
    return SaveUnit(record.id, after, status, version, now, changes, new)


def migrate(
    store: SqlStore,
    migration: Migration,
    *,
    dry_run: bool,
    actor: str,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 500,
) -> list[Move]:
    """Plan (and unless ``dry_run``, save) the move of every active instance on the old
    version. The new version is registered first (with its meaning and files). Each move is
    its own unit of work, ``batch_size`` of them committed together (one transaction; a move
    that fails, e.g. because the instance changed meanwhile, fails alone); ``progress(done,
    total)`` after each batch. Returns every planned move; a move whose ``problem`` is set
    was not made (stranded, or changed meanwhile).
    """
    from engine.ops.select import Selection

    old, new = migration.old, migration.new
    if not dry_run:
        from engine.service.versions import record_version

        record_version(store, new)
    ids = [s.id for s in Selection(store, old.id, [], status="active") if s.version == old.version]
    moves: list[Move] = []
    for start in range(0, len(ids), batch_size):
        records = store.load_many(ids[start : start + batch_size])
        planned: list[tuple[Move, SaveUnit]] = []
        for iid in ids[start : start + batch_size]:
            record = records.get(iid)
            if record is None or record.version != old.version or record.status != "active":
                continue  # gone or moved meanwhile
            move = migration.plan(record, now)
            moves.append(move)
            if move.problem is None and not dry_run:
                planned.append((move, move_unit(record, migration, move, actor=actor, now=now)))
        saved = store.save_many([unit for _, unit in planned])
        for (move, _), outcome in zip(planned, saved, strict=True):
            if isinstance(outcome, StatewiseError):  # changed meanwhile: left for another run
                move.problem = f"not moved: {outcome}"
        if progress is not None:
            progress(min(start + batch_size, len(ids)), len(ids))
    return moves
