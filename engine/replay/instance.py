"""Replaying one stored instance through a candidate chart, in memory, on its recorded times.

The inputs are what really happened, as the audit trail recorded it: the start context,
then every external event with its data, actor, roles and note, every task outcome and
every event from another instance, each at its recorded time. Timers are the chart's own
business: the candidate's timers fire when *they* fall due, so a stored timer firing is
matched with the candidate's pending timer of the same name due at that very time, and a
candidate timer that falls due before the next stored step is a divergence, unless the
stored history had that very timer (same event, same due time) and did not fire it before
that step either (a worker behind schedule, or the step cancelled it). Forced changes are applied as they
were (``statewise force``); migrations between stored versions are passed over.

Nothing is written anywhere: the runtime is pure, and this module never sees a store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NoReturn

from engine.expr import FunctionRegistry
from engine.model import Chart
from engine.model.mapping import StateMap
from engine.replay.compare import Comparer, map_timer_event
from engine.replay.report import END, START, Difference, Divergence, InstanceResult, Outcome
from engine.runtime import (
    Event,
    EventRefused,
    InstanceInfo,
    Interpreter,
    MacroStep,
    RuntimeFailure,
    Snapshot,
)
from engine.runtime.blockers import NOT_IN_SOURCE_STATE
from engine.runtime.outputs import context_changes, effect_summaries
from engine.service.instance import leaf_states
from engine.store.records import AuditRecord, InstanceRecord

__all__ = ["NOT_RECORDED", "Replayer"]

#: why an instance whose history predates the recording of start contexts is skipped
NOT_RECORDED = (
    "its history was recorded before statewise kept start contexts and step details "
    "(database revision v0006_replay); it cannot be replayed"
)
_STEPS = ("start", "event", "forced")


class _Parted(Exception):
    """The candidate parted from the stored history: carries where."""

    def __init__(self, divergence: Divergence, refused: bool = False) -> None:
        self.divergence, self.refused = divergence, refused


class Replayer:
    """Replays stored instances through ``candidate``; ``states`` maps stored state ids to
    the candidate's (identity when None)."""

    def __init__(
        self,
        candidate: Chart,
        states: StateMap | None = None,
        *,
        functions: FunctionRegistry | None = None,
    ) -> None:
        self.chart = candidate
        self.states = states or StateMap((), candidate, {})
        self.interpreter = Interpreter(candidate, functions=functions)
        self.compare = Comparer(candidate, self.states)

    def leaves(self, snapshot: Snapshot) -> tuple[str, ...]:
        return leaf_states(self.chart, snapshot.configuration)

    def replay(self, record: InstanceRecord, trail: Sequence[AuditRecord]) -> InstanceResult:
        """Replay one instance (``trail``: its audit lines, oldest first)."""
        steps = [line for line in trail if line.kind in _STEPS]
        base = (record.id, record.key, record.version, record.status)
        if not steps or steps[0].kind != "start":
            why = "its history has no start (kept without an audit trail, or archived)"
            return InstanceResult(*base, "skipped", reason=why)
        if steps[0].changes is None:
            return InstanceResult(*base, "skipped", reason=NOT_RECORDED)
        run = _Run(self, record, steps)
        try:
            run.all()
        except _Parted as parted:
            outcome: Outcome = "refused" if parted.refused else "diverged"
            return InstanceResult(*base, outcome, run.done, parted.divergence)
        assert run.snapshot is not None
        states = self.leaves(run.snapshot)
        return InstanceResult(*base, "identical", run.done, states=states)


class _Run:
    """The replay of one instance: the candidate's snapshot as it goes."""

    def __init__(self, owner: Replayer, record: InstanceRecord, steps: list[AuditRecord]) -> None:
        self.owner = owner
        self.record = record
        self.steps = steps
        self.info = InstanceInfo(
            record.id, record.key, owner.chart.id, owner.chart.version, record.parent
        )
        self.snapshot: Snapshot | None = None
        self.done = 0
        self.known: set[str] = set(steps[0].changes or ()) | set(record.snapshot.context)
        #: the timers the stored history scheduled or fired, as (candidate event name, due):
        #: a candidate timer among them that is due before a stored step but was not fired
        #: before it was late there too (the worker was behind, or the step cancelled it)
        self.expected = {
            (map_timer_event(owner.states, line.event), line.time)
            for line in steps
            if line.origin == "timer" and line.event is not None
        }
        for line in steps:
            for effect in line.effects or ():
                if "timer" in effect:
                    event = map_timer_event(owner.states, effect["timer"])
                    self.expected.add((event, effect["due"]))

    # -- the loop -------------------------------------------------------------------------
    def all(self) -> None:
        self._start(self.steps[0])
        for line in self.steps[1:]:
            if line.kind == "forced":
                self._forced(line)
            else:
                self._event(line)
            self.done += 1
        self._end()

    def _start(self, line: AuditRecord) -> None:
        owner = self.owner
        try:
            step = owner.interpreter.start(line.data, line.time, instance=self.info)
        except RuntimeFailure as exc:
            self._refuse(line, START, (), (f"the candidate cannot start it: {exc}",))
        self._check(line, START, (), step, {})
        self.snapshot = step.after
        self.done = 1

    def _event(self, line: AuditRecord) -> None:
        snapshot = self.snapshot
        assert snapshot is not None and line.event is not None
        before = self.owner.leaves(snapshot)
        self._early_timers(line, snapshot, before)
        if line.origin == "timer":
            event = self._timer_event(line, snapshot, before)
        else:
            roles = None if line.roles is None else frozenset(line.roles)
            origin = line.origin or "external"
            event = Event(line.event, line.data, origin, line.actor, roles, line.note)
        try:
            step = self.owner.interpreter.step(snapshot, event, line.time, instance=self.info)
        except EventRefused as exc:
            self._refuse(line, line.event, before, _reasons(exc))
        except RuntimeFailure as exc:
            self._refuse(line, line.event, before, (f"the candidate's step fails: {exc}",))
        self._check(line, line.event, before, step, snapshot.context)
        self.snapshot = step.after

    def _forced(self, line: AuditRecord) -> None:
        target = line.data.get("target") if isinstance(line.data, Mapping) else None
        if not isinstance(target, str):
            return  # a migration between stored versions: the candidate stays as it is
        from engine.service.forcing import forced_snapshot
        from engine.service.registry import LoadedChart

        snapshot = self.snapshot
        assert snapshot is not None
        owner = self.owner
        before = owner.leaves(snapshot)
        mapped, problem = owner.states.target(target)
        if mapped is None:
            why = problem or f"no counterpart for '{target}'"
            diff = Difference("configuration", target, None, f"forced into {target}: {why}")
            raise _Parted(Divergence(line.seq, line.time, "(forced)", before, (diff,)))
        loaded = LoadedChart(owner.chart, owner.interpreter, frozenset())
        record = self.record._replace(snapshot=snapshot)
        self.snapshot = forced_snapshot(loaded, record, mapped, line.time)
        after = owner.leaves(self.snapshot)
        diff_ = owner.compare.configuration(line.to_configuration, after)
        if diff_ is not None:
            raise _Parted(Divergence(line.seq, line.time, "(forced)", before, (diff_,), (), after))

    # -- timers ---------------------------------------------------------------------------
    def _early_timers(self, line: AuditRecord, snapshot: Snapshot, before: tuple[str, ...]) -> None:
        """A candidate timer due before this stored step would have fired first (unless
        the stored history had the same timer and did not fire it first either)."""
        for timer in snapshot.timers.values():
            if timer.due < line.time and (timer.event, timer.due) not in self.expected:
                diff = Difference(
                    "timers",
                    None,
                    {"timer": timer.event, "due": timer.due},
                    f"the candidate's timer '{timer.event}' falls due at "
                    f"{timer.due:%Y-%m-%d %H:%M}, before the stored '{line.event}' at "
                    f"{line.time:%Y-%m-%d %H:%M}; the stored history has no such firing",
                )
                focus = _timer_state(timer.event)
                raise _Parted(
                    Divergence(line.seq, timer.due, timer.event, before, (diff,), (), (), focus)
                )

    def _timer_event(self, line: AuditRecord, snapshot: Snapshot, before: tuple[str, ...]) -> Event:
        assert line.event is not None
        name = map_timer_event(self.owner.states, line.event)
        mine = [t for t in snapshot.timers.values() if t.event == name]
        if mine:
            timer = min(mine, key=lambda t: t.due)
            if timer.due == line.time:
                return Event(name, timer.data, "timer")
            text = (
                f"the stored timer '{line.event}' fired at {line.time:%Y-%m-%d %H:%M}; the "
                f"candidate's is due at {timer.due:%Y-%m-%d %H:%M}"
            )
            found: Any = {"timer": name, "due": timer.due}
        else:
            text = (
                f"the stored timer '{line.event}' fired at {line.time:%Y-%m-%d %H:%M}; the "
                "candidate has no such timer pending"
            )
            found = None
        diff = Difference("timers", {"timer": line.event, "due": line.time}, found, text)
        focus = _timer_state(name)
        raise _Parted(Divergence(line.seq, line.time, line.event, before, (diff,), (), (), focus))

    # -- comparing ------------------------------------------------------------------------
    def _focus(
        self, line: AuditRecord, before: tuple[str, ...], after: tuple[str, ...] = ()
    ) -> tuple[str, ...]:
        """The states of ``before`` the stored step (or the candidate's) left."""
        stored, _ = self.owner.compare.mapped(line.to_configuration)
        return tuple(s for s in before if s not in stored or (after and s not in after))

    def _refuse(
        self, line: AuditRecord, label: str, before: tuple[str, ...], reasons: tuple[str, ...]
    ) -> NoReturn:
        focus = self._focus(line, before)
        raise _Parted(
            Divergence(line.seq, line.time, label, before, (), reasons, (), focus), refused=True
        )

    def _check(
        self,
        line: AuditRecord,
        label: str,
        before: tuple[str, ...],
        step: MacroStep,
        context: Mapping[str, Any],
    ) -> None:
        compare = self.owner.compare
        after = self.owner.leaves(step.after)
        found: list[Difference] = []
        config = compare.configuration(line.to_configuration, after)
        if config is not None:
            found.append(config)
        if line.changes is not None:
            mine = context_changes(context, step.after.context)
            changed = compare.context(line.changes, mine, self.known)
            if changed is not None:
                found.append(changed)
        if line.effects is not None:
            found += compare.effects(line.effects, effect_summaries(step.effects))
        if found:
            focus = self._focus(line, before, after)
            raise _Parted(
                Divergence(line.seq, line.time, label, before, tuple(found), (), after, focus)
            )

    def _end(self) -> None:
        """After the last stored step: the timers still pending must be the same."""
        snapshot = self.snapshot
        assert snapshot is not None
        states = self.owner.states
        stored = sorted(
            (
                (map_timer_event(states, t.event), t.due)
                for t in self.record.snapshot.timers.values()
            ),
            key=repr,
        )
        mine = sorted(((t.event, t.due) for t in snapshot.timers.values()), key=repr)
        if stored == mine:
            return
        diff = Difference(
            "timers",
            [{"timer": e, "due": d} for e, d in stored],
            [{"timer": e, "due": d} for e, d in mine],
            "pending timers differ: stored " + _timers(stored) + ", the candidate " + _timers(mine),
        )
        last = self.steps[-1]
        before = self.owner.leaves(snapshot)
        odd = set(stored) ^ set(mine)
        focus = tuple(dict.fromkeys(s for e, _ in sorted(odd) for s in _timer_state(e)))
        raise _Parted(Divergence(None, last.time, END, before, (diff,), (), before, focus))


def _timers(timers: list[tuple[str, datetime]]) -> str:
    return ", ".join(f"'{e}' due {d:%Y-%m-%d %H:%M}" for e, d in timers) or "none"


def _timer_state(event: str) -> tuple[str, ...]:
    """The state an ``after.<state>.<n>`` timer belongs to (nothing for a delayed send)."""
    state, _, index = event[6:].rpartition(".") if event.startswith("after.") else ("", "", "")
    return (state,) if state and index.isdigit() else ()


def _reasons(refused: EventRefused) -> tuple[str, ...]:
    """The blockers in words; those of transitions whose source is not active only when
    nothing else blocked (they say no active state takes the event)."""
    blockers = refused.blockers
    relevant = [b for b in blockers if b.code != NOT_IN_SOURCE_STATE] or list(blockers)
    return tuple(b.message for b in relevant) or (str(refused),)
