"""Comparing what the candidate did in one step with what the stored step did.

Three things are compared, each as the stored history recorded it: the active leaf states
(stored ones through the state mapping), the context fields the step changed (only fields
both versions have: a field the candidate adds or drops is its own business), and the
effects the step asked for, by kind: notifications (template, channel, recipients), tasks
(name and input) and the rest (children spawned, instances started, events for other
instances). Effects are compared as collections: the same notifications in another order
are the same. Timers are compared when they fire (:mod:`engine.replay.instance`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from engine.model import Chart
from engine.model.mapping import StateMap
from engine.replay.report import Difference
from engine.runtime.outputs import plain

__all__ = ["Comparer", "map_timer_event"]

#: effect kind -> (aspect, how one is described in words)
_KINDS: dict[str, tuple[str, Callable[[Mapping[str, Any]], str]]] = {
    "notify": (
        "notifications",
        lambda e: f"'{e['notify']}' ({e['channel']} to {', '.join(map(str, e['to'])) or 'nobody'})",
    ),
    "task": ("tasks", lambda e: f"'{e['task']}' {_short(e.get('input'))}"),
    "spawn": ("effects", lambda e: f"spawn '{e['spawn']}' of {len(e['children'])} {e['chart']}"),
    "start": ("effects", lambda e: f"start {e['start']} {e.get('key') or ''}".rstrip()),
    "send": ("effects", lambda e: f"'{e['send']}' to {e.get('key') or e['to']}"),
}


def _short(value: Any, width: int = 60) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= width else text[: width - 1] + "…"


def _kind(effect: Mapping[str, Any]) -> str:
    for kind in _KINDS:
        if kind in effect:
            return kind
    return "effects"


def map_timer_event(states: StateMap, event: str) -> str:
    """The candidate's name for a stored timer event: ``after.<state>.<n>`` names its
    state, which maps like any other; other timer events (delayed sends) keep their name."""
    if not event.startswith("after."):
        return event
    state, _, index = event[6:].rpartition(".")
    if not state or not index.isdigit():
        return event
    target, _ = states.target(state)
    return event if target is None else f"after.{target}.{index}"


class Comparer:
    """Compares steps of one candidate against stored steps, through ``states``."""

    def __init__(self, candidate: Chart, states: StateMap) -> None:
        self.chart = candidate
        self.states = states
        self.fields = {f.name for f in candidate.context.fields}
        self._names: dict[str, str] = {}

    # -- words ----------------------------------------------------------------------------
    def name(self, state_id: str) -> str:
        """The shortest reference that names ``state_id`` in the candidate (its last part
        for a state the candidate does not have)."""
        found = self._names.get(state_id)
        if found is None:
            refs = [r for r, s in self.chart.refs.items() if s == state_id]
            found = min(refs, key=len) if refs else state_id.rsplit(".", 1)[-1]
            self._names[state_id] = found
        return found

    def names(self, states: Iterable[str]) -> str:
        return ", ".join(self.name(s) for s in states) or "(none)"

    # -- states ---------------------------------------------------------------------------
    def mapped(self, stored: Sequence[str]) -> tuple[tuple[str, ...], list[str]]:
        """The candidate's states for stored leaf states, and the problems of those that have
        no counterpart."""
        out: list[str] = []
        problems: list[str] = []
        for sid in stored:
            target, problem = self.states.target(sid)
            if target is None:
                problems.append(problem or f"no counterpart for '{sid}'")
            else:
                out.append(target)
        return tuple(out), problems

    def configuration(self, stored: Sequence[str], candidate: Sequence[str]) -> Difference | None:
        mapped, problems = self.mapped(stored)
        if not problems and set(mapped) == set(candidate):
            return None
        text = f"stored in {self.names(stored)}, the candidate in {self.names(candidate)}"
        if problems:
            text += " (" + "; ".join(problems) + ")"
        return Difference("configuration", list(stored), list(candidate), text)

    # -- context --------------------------------------------------------------------------
    def context(
        self,
        stored: Mapping[str, Any],
        candidate: Mapping[str, Any],
        known: set[str],
    ) -> Difference | None:
        """Compares the changed fields both versions have (``known``: the stored version's
        fields as far as its history shows them)."""
        fields = self.fields & known
        differ = sorted(
            k
            for k in fields
            if (k in stored) != (k in candidate) or plain(stored.get(k)) != plain(candidate.get(k))
        )
        if not differ:
            return None
        words = []
        for k in differ:
            s = f"sets {_short(stored[k], 30)}" if k in stored else "leaves it"
            c = f"sets {_short(candidate[k], 30)}" if k in candidate else "leaves it"
            words.append(f"'{k}': stored {s}, the candidate {c}")
        return Difference(
            "context",
            {k: stored[k] for k in differ if k in stored},
            {k: candidate[k] for k in differ if k in candidate},
            "; ".join(words),
        )

    # -- effects --------------------------------------------------------------------------
    def effects(
        self, stored: Sequence[Mapping[str, Any]], candidate: Sequence[Mapping[str, Any]]
    ) -> list[Difference]:
        """Notifications, tasks and the rest. Timers a step schedules are not compared here:
        only when one *fires* (or is still pending at the end) does it change what happens
        to an instance (a reminder cancelled by the payment five minutes later never did)."""
        by_aspect: dict[str, tuple[list[Any], list[Any]]] = {}
        for side, items in ((0, stored), (1, candidate)):
            for e in items:
                if "timer" in e:
                    continue
                aspect = _KINDS.get(_kind(e), ("effects", str))[0]
                by_aspect.setdefault(aspect, ([], []))[side].append(plain(e))
        out = []
        for aspect, (mine, theirs) in by_aspect.items():
            only_stored, only_candidate = _unmatched(mine, theirs)
            if not only_stored and not only_candidate:
                continue
            out.append(
                Difference(
                    aspect,
                    only_stored,
                    only_candidate,
                    self._words(aspect, only_stored, only_candidate),
                )
            )
        return out

    @staticmethod
    def _words(aspect: str, stored: list[Any], candidate: list[Any]) -> str:
        def describe(items: list[Any]) -> str:
            return ", ".join(_KINDS.get(_kind(e), ("", lambda x: _short(x)))[1](e) for e in items)

        parts = []
        if stored:
            parts.append(f"only the stored step asked for {describe(stored)}")
        if candidate:
            parts.append(f"only the candidate asks for {describe(candidate)}")
        return "; ".join(parts)


def _unmatched(stored: list[Any], candidate: list[Any]) -> tuple[list[Any], list[Any]]:
    """The items of each side without an equal item on the other (as multisets)."""
    rest = list(candidate)
    only_stored = []
    for item in stored:
        for n, other in enumerate(rest):
            if other == item:
                del rest[n]
                break
        else:
            only_stored.append(item)
    return only_stored, rest
