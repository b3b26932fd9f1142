"""The fast path of a step: the common case, taken from precomputed tables.

Most steps of a workflow take one transition out of one atomic state: a guard, perhaps
an assignment, a new state, done. For such a step everything but the guard and the
assignments depends only on the configuration and the event name, so a :class:`Move`
holds it, computed once. ``Interpreter.step`` takes this path (its first half: guards,
assignments, the new snapshot; no run state, no queue, no loop) when all of these hold,
and the general algorithm (``Interpreter._general``: :class:`~engine.runtime.run.Run`,
``_execute``, ``_settle``) otherwise:

* one atomic state has candidates for the event (a single chain: no conflicts to
  remove), and the event does not come from a timer (timers are consumed);
* the transition taken has no history targets and its actions only assign;
* its microstep records no history, exits and enters only states without actions,
  timers or invocations, raises no ``done.state`` event, and reaches a configuration
  without eventless transitions (or the top-level final state, with no timer pending):
  the macrostep is this one microstep, with no effect.

A guard that cannot be evaluated, or a transition taken that does not qualify, sends
the whole step down the general path, which starts again from the input snapshot
(guards are pure). Both paths return equal MacroSteps (tests/runtime/test_fast_path.py
runs the conformance charts both ways).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from engine.expr import Scope
from engine.runtime.run import Where
from engine.runtime.selection import ConfigInfo
from engine.runtime.steps import MicroStep
from engine.runtime.tables import Tables, TransitionInfo
from engine.runtime.values import Event

if TYPE_CHECKING:
    from engine.runtime.plans import Plan

__all__ = ["Move", "RulesCheck", "build_moves"]

#: checks the chart's rules against the scope the step leaves behind
RulesCheck = Callable[[Scope], None]


class Move:
    """One candidate transition for (configuration, event name), with its microstep plan
    when taking it needs nothing but the scope (``plan`` None: the general path)."""

    __slots__ = (
        "actions",
        "after_in",
        "configuration",
        "final",
        "guard",
        "manual",
        "micro",
        "middle_in",
        "plan",
        "transition",
    )

    def __init__(self, t: TransitionInfo, plan: Plan | None, refs: dict[str, str]) -> None:
        self.transition = t
        self.guard = t.guard
        self.manual = t.manual
        self.plan = plan
        self.actions = t.scope_actions or ()
        self.configuration = frozenset() if plan is None else plan.configuration
        self.final = plan is not None and plan.final
        #: In() while the transition's actions run (after the exits), and for the rules
        self.middle_in = Where(refs, frozenset() if plan is None else plan.middle)
        self.after_in = Where(refs, self.configuration)
        #: (event, (MicroStep,)) of the last step: steps share the immutable record
        self.micro: tuple[Event | None, tuple[MicroStep, ...]] = (None, ())


def build_moves(
    tables: Tables,
    info: ConfigInfo,
    event: str,
    plan_of: Callable[[frozenset[str], TransitionInfo], Plan],
    info_of: Callable[[frozenset[str]], ConfigInfo],
) -> tuple[Move, ...]:
    """The moves for ``event`` in ``info``'s configuration; () when the general path
    must decide (several chains, or none: the event would be refused or ignored)."""
    chains = info.chains(tables, event)
    if len(chains) != 1:
        return ()
    moves = []
    for t in chains[0]:
        plan: Plan | None = None
        if not t.history_targets and t.scope_actions is not None:
            plan = plan_of(info.configuration, t)
            settles = plan.final or not info_of(plan.configuration).eventless
            if plan.records or plan.exits or plan.entries or not settles:
                plan = None
        moves.append(Move(t, plan, tables.refs))
    return tuple(moves)
