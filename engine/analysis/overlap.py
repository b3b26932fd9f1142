"""Transitions of one state that get in each other's way (W404, W405).

Within a state, transitions are tried in document order and the first enabled one is
taken. A later transition is *dead* when an earlier one always wins: the earlier one
has no guard and reacts to every event the later one reacts to (W404: the same event, or
``payment.*`` before ``payment.ok``, or ``*``), or both react to the same events with the
very same guard (W405).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.model import Chart, State, Transition, Trigger

__all__ = ["DeadTransition", "covers", "dead_transitions", "guard_key", "live_transitions"]


@dataclass(frozen=True, slots=True)
class DeadTransition:
    """``dead`` can never be taken because ``by`` (earlier, same state) always wins."""

    dead: Transition
    by: Transition
    same_guard: bool  # True: identical guards (W405); False: ``by`` is unguarded (W404)


def _wildcard(descriptor: str) -> str | None:
    """``a.b`` for the descriptor ``a.b.*``; None for a plain descriptor (or ``*``)."""
    return descriptor[:-2] if descriptor.endswith(".*") else None


def covers(general: str, specific: str) -> bool:
    """True when every event the descriptor ``specific`` matches is matched by ``general``.

    Matching as in :func:`engine.model.matches`: ``*`` matches everything, ``a.*`` matches
    ``a`` and every event below it, a plain descriptor matches exactly that event.
    """
    if general == "*":
        return True
    if specific == "*":
        return False
    g = _wildcard(general)
    s = _wildcard(specific)
    if g is None:
        return s is None and specific == general
    below = specific if s is None else s
    return below == g or below.startswith(g + ".")


def _covers_all(earlier: Transition, later: Transition) -> bool:
    if earlier.eventless or later.eventless:
        return earlier.eventless and later.eventless
    return all(any(covers(e, d) for e in earlier.events) for d in later.events)


def guard_key(t: Transition) -> str | None:
    """The guard's canonical text (``engine.expr`` unparse) or its source text; None if none."""
    if t.guard is None:
        return None
    try:
        from engine.expr.ast import unparse

        return unparse(t.guard.expr)
    except Exception:  # an expression tree the unparser does not know: compare the text
        return " ".join(t.guard.text.split())


def _candidates(state: State) -> list[Transition]:
    # A history state's transition is its default, not a choice; timers have unique events.
    if state.is_history:
        return []
    return [t for t in state.transitions if t.trigger is not Trigger.TIMER]


def dead_transitions(state: State) -> list[DeadTransition]:
    """Every transition of ``state`` that can never be taken, with the one that wins."""
    out: list[DeadTransition] = []
    unguarded: list[Transition] = []
    guarded: dict[tuple[str, ...], list[Transition]] = {}
    for t in _candidates(state):
        by = next((u for u in unguarded if _covers_all(u, t)), None)
        if by is not None:
            out.append(DeadTransition(t, by, same_guard=False))
        elif t.guard is None:
            unguarded.append(t)
        else:
            guarded.setdefault(tuple(sorted(set(t.events))), []).append(t)
    for group in guarded.values():
        if len(group) < 2:
            continue  # the guard text is only normalised where two could clash
        first: dict[str | None, Transition] = {}
        for t in group:
            earlier = first.setdefault(guard_key(t), t)
            if earlier is not t:
                out.append(DeadTransition(t, earlier, same_guard=True))
    return sorted(out, key=lambda d: d.dead.order)


def live_transitions(chart: Chart) -> dict[str, list[Transition]]:
    """State id -> the transitions of that state that can ever be taken, in order."""
    out: dict[str, list[Transition]] = {}
    for sid, state in chart.states.items():
        dead = {id(d.dead) for d in dead_transitions(state)}
        out[sid] = [t for t in state.transitions if id(t) not in dead]
    return out
