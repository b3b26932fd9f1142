"""What a replay found: per instance, the first place the candidate parts from the stored
history; for the whole run, counts and the instances grouped by where they first part.

Plain frozen values; :meth:`Report.to_json` is what ``statewise replay --format json`` prints
and what an HTTP API would return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from engine.jsonvalues import plain

__all__ = [
    "END",
    "START",
    "Difference",
    "Divergence",
    "Group",
    "InstanceResult",
    "Outcome",
    "Report",
]

#: the instance is replayed to the end and the candidate did the same at every step
#: (``identical``); it did something else at some step (``diverged``); it refused an event
#: that really happened (``refused``); or the instance cannot be replayed (``skipped``)
Outcome = Literal["identical", "diverged", "refused", "skipped"]
OUTCOMES: tuple[Outcome, ...] = ("identical", "diverged", "refused", "skipped")

#: the event label of the instance's start and of the checks after its last stored step
START = "(start)"
END = "(end of history)"


@dataclass(frozen=True, slots=True)
class Difference:
    """One aspect in which the candidate's step differs from the stored one.

    ``aspect``: ``configuration``, ``context``, ``notifications``, ``tasks``, ``timers`` or
    ``effects`` (spawns, starts, events for other instances). ``stored`` and ``candidate``
    are plain JSON-able values; ``text`` says it in words.
    """

    aspect: str
    stored: Any
    candidate: Any
    text: str


@dataclass(frozen=True, slots=True)
class Divergence:
    """Where an instance first parts from its history.

    ``seq`` is the stored step (None after the last one), ``event`` the label of what
    happened there (the event's name, :data:`START` or :data:`END`), ``state`` the active
    leaf states before it (the candidate's, which agree with the stored ones up to here).
    A refusal has ``blockers`` (in words) and no ``differences``; ``to_states`` are the
    candidate's leaf states after the step (empty for a refusal); ``focus`` the states of
    ``state`` the step concerns (those the stored or the candidate's step left).
    """

    seq: int | None
    time: datetime
    event: str
    state: tuple[str, ...]
    differences: tuple[Difference, ...] = ()
    blockers: tuple[str, ...] = ()
    to_states: tuple[str, ...] = ()
    focus: tuple[str, ...] = ()

    def text(self) -> str:
        """One line: the blockers of a refusal, or each difference."""
        if self.blockers:
            return "refused: " + "; ".join(self.blockers)
        return "; ".join(f"{d.aspect}: {d.text}" for d in self.differences)


@dataclass(frozen=True, slots=True)
class InstanceResult:
    """The replay of one instance. ``steps`` counts the stored steps (the start included)
    the candidate did the same, before it parted if it did; ``states`` are the candidate's
    leaf states after the last step of an ``identical`` instance; ``reason`` says why a
    ``skipped`` one was not replayed."""

    id: str
    key: str | None
    version: int
    status: str
    outcome: Outcome
    steps: int = 0
    first: Divergence | None = None
    reason: str | None = None
    states: tuple[str, ...] = ()


@dataclass(slots=True)
class Group:
    """The instances that first part at one (state, event), with the first as an example."""

    state: tuple[str, ...]
    event: str
    example: InstanceResult
    diverged: int = 0
    refused: int = 0

    @property
    def count(self) -> int:
        return self.diverged + self.refused


@dataclass(slots=True)
class Report:
    """Every instance replayed against the candidate ``chart`` version ``version``."""

    chart: str
    version: int
    results: list[InstanceResult] = field(default_factory=list)
    #: things the caller should know (a ``--map`` entry no stored state matches, ...)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[Outcome, int]:
        out: dict[Outcome, int] = dict.fromkeys(OUTCOMES, 0)
        for r in self.results:
            out[r.outcome] += 1
        return out

    @property
    def ok(self) -> bool:
        """Nothing diverged and nothing was refused."""
        return not any(r.outcome in ("diverged", "refused") for r in self.results)

    def groups(self) -> list[Group]:
        """Instances by the (state, event) where they first part, most instances first."""
        found: dict[tuple[tuple[str, ...], str], Group] = {}
        for r in self.results:
            if r.first is None or r.outcome not in ("diverged", "refused"):
                continue
            key = (r.first.state, r.first.event)
            group = found.get(key)
            if group is None:
                group = found[key] = Group(r.first.state, r.first.event, r)
            if r.outcome == "refused":
                group.refused += 1
            else:
                group.diverged += 1
        return sorted(found.values(), key=lambda g: (-g.count, g.state, g.event))

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values (times as ISO 8601 text)."""
        return {
            "chart": self.chart,
            "version": self.version,
            "ok": self.ok,
            "counts": self.counts(),
            "groups": [
                {
                    "state": list(g.state),
                    "event": g.event,
                    "diverged": g.diverged,
                    "refused": g.refused,
                    "example": g.example.id,
                }
                for g in self.groups()
            ],
            "instances": [_result_json(r) for r in self.results],
            "warnings": list(self.warnings),
        }


def _result_json(r: InstanceResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": r.id,
        "key": r.key,
        "version": r.version,
        "status": r.status,
        "outcome": r.outcome,
        "steps": r.steps,
    }
    if r.reason is not None:
        out["reason"] = r.reason
    if r.states:
        out["states"] = list(r.states)
    if r.first is not None:
        d = r.first
        out["first"] = {
            "seq": d.seq,
            "time": d.time.isoformat(),
            "event": d.event,
            "state": list(d.state),
            "to_states": list(d.to_states),
            "focus": list(d.focus),
            "blockers": list(d.blockers),
            "differences": [_difference_json(x) for x in d.differences],
        }
    return out


def _difference_json(d: Difference) -> dict[str, Any]:
    return {
        "aspect": d.aspect,
        "stored": plain(d.stored),
        "candidate": plain(d.candidate),
        "text": d.text,
    }
