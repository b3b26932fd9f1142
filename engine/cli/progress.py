"""Progress of long commands on standard error: a bar on a terminal, plain lines otherwise.

``Progress("archived")`` is a ``progress(done, total)`` callable for the operations layer.
On a terminal it redraws one line (``[#####.....] 500/1,000 archived``); otherwise (a log
file, CI) it prints a plain line once ``every`` seconds have passed, and again at most that
often, then the last one: work done within ``every`` seconds prints nothing, and a log shows
long work advancing without a line per item. ``total`` may be None when it is not known in
advance (then only the count is shown).
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    def __init__(
        self, label: str, *, stream: TextIO | None = None, every: float = 2.0, width: int = 30
    ) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.every = every
        self.width = width
        self.tty = self.stream.isatty()
        self._last = time.monotonic()
        self._drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        finished = total is not None and done >= total
        now = time.monotonic()
        if not self.tty and now - self._last < self.every and not (finished and self._drawn):
            return
        self._last = now
        count = f"{done:,}" if total is None else f"{done:,}/{total:,}"
        if self.tty:
            bar = ""
            if total:
                filled = self.width * min(done, total) // total
                bar = f"[{'#' * filled}{'.' * (self.width - filled)}] "
            self.stream.write(f"\r{bar}{count} {self.label}")
            self._drawn = True
        else:
            self.stream.write(f"{count} {self.label}\n")
            self._drawn = True
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line (a terminal only)."""
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
        self._drawn = False
