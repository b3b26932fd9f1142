"""Progress of long commands on standard error: a bar on a terminal, otherwise a plain
line every few seconds (CI logs stay short), and nothing for work done within them."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """``progress(done, total)`` after each piece of work; :meth:`close` when finished."""

    def __init__(
        self, what: str, stream: TextIO | None = None, *, every: float = 5.0, width: int = 30
    ) -> None:
        self.what = what
        self.stream = sys.stderr if stream is None else stream
        self.tty = self.stream.isatty()
        self.every, self.width = every, width
        self._last = time.monotonic()
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if self.tty:
            filled = self.width * done // total if total else self.width
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r[{bar}] {done}/{total} {self.what}")
            self._drawn = True
        elif time.monotonic() - self._last >= self.every:
            self._last = time.monotonic()
            self.stream.write(f"{done}/{total} {self.what}\n")
        self.stream.flush()

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
