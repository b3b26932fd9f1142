"""Answering "why (not)?": the candidates of an event, their blockers, manual actions.

Nothing here runs an action. Guards are evaluated clause by clause with
:func:`engine.expr.explain_guard`, so a blocker shows which clause failed and the values
it read. The candidates "taken" are the optimal enabled transition set the interpreter
would take.
"""

from __future__ import annotations

from engine.errors import EvaluationError
from engine.expr import ClauseResult, Scope, explain_guard
from engine.model import ROOT
from engine.runtime.blockers import (
    GUARD_ERROR,
    GUARD_FALSE,
    INSTANCE_DONE,
    NO_TRANSITION,
    NOT_IN_SOURCE_STATE,
    NOTE_REQUIRED,
    ROLE_NOT_ALLOWED,
    Blocker,
    Candidate,
    Explanation,
    ManualAction,
)
from engine.runtime.selection import manual_blocker
from engine.runtime.tables import Tables, TransitionInfo
from engine.runtime.values import Event, Snapshot

__all__ = [
    "candidate",
    "done_blocker",
    "explanation",
    "guard_blockers",
    "manual_actions",
]


def _names(states: frozenset[str] | set[str], tables: Tables) -> str:
    ordered = sorted(states, key=lambda s: tables.states[s].order)
    return ", ".join(f"'{s}'" for s in ordered) or "none"


def done_blocker(snapshot: Snapshot, tables: Tables) -> Blocker:
    return Blocker(
        INSTANCE_DONE,
        f"the instance has finished (in {_names(snapshot.configuration, tables)}); "
        "expected a running instance",
    )


def _value(v: object) -> str:
    """A value as the expression language writes it (``null``, ``true``, ``'text'``, ``12.50``)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return repr(v)
    return str(v)


def guard_blockers(
    t: TransitionInfo, scope: Scope
) -> tuple[tuple[ClauseResult, ...], tuple[Blocker, ...]]:
    """The guard's clauses, and a ``guard_false``/``guard_error`` blocker if it fails."""
    guard = t.transition.guard
    if guard is None:
        return (), ()
    clauses = tuple(explain_guard(guard.compiled, scope))
    errors = [c for c in clauses if isinstance(c.result, EvaluationError)]
    if errors:
        first = errors[0].result
        reason = first.reason if isinstance(first, EvaluationError) else str(first)
        message = f"guard `{guard.text}` of {t.transition.describe()} cannot be evaluated: {reason}"
        return clauses, (Blocker(GUARD_ERROR, message, t.transition, clauses),)
    failed = [c for c in clauses if not c.passed]
    if not failed:
        return clauses, ()
    shown = []
    for c in failed:
        seen = ", ".join(f"{k} = {_value(v)}" for k, v in c.values.items())
        shown.append(f"`{c.text}` is false" + (f" ({seen})" if seen else ""))
    message = f"guard of {t.transition.describe()} does not hold: " + "; ".join(shown)
    return clauses, (Blocker(GUARD_FALSE, message, t.transition, clauses),)


def _manual_blockers(t: TransitionInfo, event: Event) -> list[Blocker]:
    code = manual_blocker(t, event)
    if code is None or t.manual is None:
        return []
    if code == ROLE_NOT_ALLOWED:
        has = ", ".join(sorted(event.roles or ())) or "no role"
        message = (
            f"'{t.manual.label}' needs one of the roles {', '.join(t.manual.roles)}; "
            f"the sender has {has}"
        )
    else:
        message = f"'{t.manual.label}' needs a note; expected the event to carry one"
    blockers = [Blocker(code, message, t.transition)]
    if code == ROLE_NOT_ALLOWED and t.manual.note_required and not (event.note or "").strip():
        blockers.append(
            Blocker(NOTE_REQUIRED, f"'{t.manual.label}' also needs a note", t.transition)
        )
    return blockers


def candidate(
    t: TransitionInfo,
    configuration: frozenset[str],
    event: Event,
    scope: Scope,
    taken: bool,
    tables: Tables,
) -> Candidate:
    """One candidate transition of ``event`` and whatever blocks it."""
    active = t.source == ROOT or t.source in configuration
    if not active:
        message = (
            f"'{event.name}' is handled by {t.transition.describe()}, but '{t.source}' is not "
            f"active (active: {_names(configuration, tables)})"
        )
        blocker = Blocker(NOT_IN_SOURCE_STATE, message, t.transition)
        return Candidate(t.transition, False, (), (blocker,), False)
    blockers = _manual_blockers(t, event)
    clauses, guard = guard_blockers(t, scope)
    return Candidate(t.transition, True, clauses, (*blockers, *guard), taken)


def explanation(
    tables: Tables,
    configuration: frozenset[str],
    event: Event,
    scope: Scope,
    taken: list[TransitionInfo],
    ignored: bool,
) -> Explanation:
    """Every transition whose descriptor matches the event, with its blockers."""
    candidates = tuple(
        candidate(t, configuration, event, scope, t in taken, tables)
        for t in tables.transitions
        if t.events and t.accepts(event.name)
    )
    accepted = bool(taken)
    blockers: tuple[Blocker, ...] = ()
    if not candidates:
        blockers = (
            Blocker(
                NO_TRANSITION,
                f"no state of chart '{tables.chart.id}' handles '{event.name}'; expected one of "
                "the events its transitions name",
            ),
        )
    elif not accepted:
        blockers = tuple(b for c in candidates for b in c.blockers)
        if not blockers:  # every candidate was preempted: cannot happen without a taken one
            blockers = (
                Blocker(NO_TRANSITION, f"no transition of the active states takes '{event.name}'"),
            )
    return Explanation(event.name, accepted, ignored and not accepted, candidates, blockers)


def manual_actions(
    tables: Tables,
    configuration: frozenset[str],
    scope: Scope,
    roles: frozenset[str] | None,
) -> tuple[ManualAction, ...]:
    """The manual transitions of the active states that ``roles`` may take."""
    out = []
    for t in tables.transitions:
        manual = t.manual
        if manual is None or not (t.source == ROOT or t.source in configuration):
            continue
        if roles is not None and manual.roles and roles.isdisjoint(manual.roles):
            continue
        _, blockers = guard_blockers(t, scope)
        out.append(
            ManualAction(
                event=t.events[0],
                label=manual.label,
                roles=manual.roles,
                note_required=manual.note_required,
                transition=t.transition,
                enabled=not blockers,
                blockers=blockers,
            )
        )
    return tuple(out)
