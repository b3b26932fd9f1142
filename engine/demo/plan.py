"""The day's script: timed actions of customers, systems and integrations.

A generator (one module per system) turns the seed into :class:`Action` values; the day
(:mod:`.day`) performs them at their time, between the timers that fall due and the
operators' rounds on their queues.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from engine.demo.settings import ARRIVALS, DAY_START

__all__ = ["Action", "Mix", "arrival_times"]


@dataclass(frozen=True, slots=True, order=True)
class Action:
    """Something that happens at ``at``: ``kind`` names who acts (see :mod:`.actors`)."""

    at: datetime
    seq: int
    kind: str = field(compare=False)
    key: str = field(compare=False)
    data: Mapping[str, Any] = field(compare=False, default_factory=dict)


class Mix:
    """A seeded source of choices and the list of actions being written."""

    def __init__(self, seed: int, system: str) -> None:
        self.rng = random.Random(f"{seed}:{system}")
        self.actions: list[Action] = []
        self._seq = 0

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, weights: Mapping[str, float]) -> str:
        names = list(weights)
        return self.rng.choices(names, [weights[n] for n in names])[0]

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))

    def add(self, at: datetime, kind: str, key: str, **data: Any) -> None:
        self._seq += 1
        self.actions.append(Action(at, self._seq, kind, key, data))


def arrival_times(mix: Mix, count: int) -> list[datetime]:
    """``count`` arrival times over the day's opening hours, busier at lunch and evening."""
    first, last = ARRIVALS
    span = (last - first).total_seconds()
    out = []
    for _ in range(count):
        # a mixture of the whole day and two peaks (12:30 and 18:30)
        if mix.chance(0.5):
            offset = mix.rng.uniform(0, span)
        else:
            peak = (timedelta(hours=5.5) if mix.chance(0.5) else timedelta(hours=11.5)) - first
            offset = min(span, max(0.0, mix.rng.gauss(peak.total_seconds(), 2700)))
        out.append(DAY_START + first + timedelta(seconds=offset))
    return sorted(out)
