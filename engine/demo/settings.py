"""What ``statewise demo`` is asked to do, and when its day begins and ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = ["DAY_END", "DAY_START", "DemoSettings"]

#: the simulated business day: a Friday, run on through the weekend to Monday evening, so
#: collect orders expire over the weekend and Monday's staff find what is left
DAY_START = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
DAY_END = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
#: orders arrive from 08:00 to 20:00 on Friday
ARRIVALS = (timedelta(hours=1), timedelta(hours=13))


@dataclass(frozen=True, slots=True)
class DemoSettings:
    """``orders``: customer orders over all four systems; ``seed`` makes the day repeatable;
    ``db``: a SQLAlchemy URL (default: a SQLite file in a temporary folder); ``workers``:
    worker processes that fire the timers and deliver the outbox (0: this process does);
    ``out``: where the report's diagrams and exports go; ``definitions``: the flows."""

    orders: int = 1200
    seed: int = 1
    db: str | None = None
    workers: int = 0
    out: Path = Path("statewise-demo")
    definitions: Path | None = None
    progress: bool | None = None
