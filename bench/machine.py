"""How busy the machine's cores were during a measurement (the benchmarks share the machine
with the database server and, on a shared machine, with other work)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["Busy"]


def _jiffies() -> tuple[float, float]:
    """(busy, total) CPU time of the whole machine so far (/proc/stat; zeros elsewhere)."""
    try:
        line = Path("/proc/stat").read_text().split("\n", 1)[0]
    except OSError:
        return 0.0, 0.0
    fields = [float(x) for x in line.split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
    return sum(fields) - idle, sum(fields)


class Busy:
    """``with Busy() as busy: ...`` then ``busy.share``: the fraction of all cores in use
    (by anything) during the block; None where /proc/stat is missing."""

    share: float | None = None

    def __enter__(self) -> Busy:
        self._start = _jiffies()
        return self

    def __exit__(self, *_exc: object) -> None:
        end = _jiffies()
        total = end[1] - self._start[1]
        self.share = (end[0] - self._start[0]) / total if total > 0 else None
