"""Progress of long commands on standard error: a bar on a terminal, otherwise a plain line
every few seconds (CI logs stay short), and nothing for work done within them.

``Progress("archived")`` is a ``progress(done, total)`` callable for the operations layer;
``total`` may be None when it is not known in advance (then only the count is shown). In a
log, once lines were printed, the last one (``done == total``) is printed too, so the log
shows the work finished.
"""

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
        self._lines = False

    def __call__(self, done: int, total: int | None) -> None:
        count = f"{done}" if total is None else f"{done}/{total}"
        if self.tty:
            bar = ""
            if total is not None:
                filled = self.width * min(done, total) // total if total else self.width
                bar = f"[{'#' * filled}{'.' * (self.width - filled)}] "
            self.stream.write(f"\r{bar}{count} {self.what}")
            self._drawn = True
        else:
            now = time.monotonic()
            finished = total is not None and done >= total
            if now - self._last < self.every and not (finished and self._lines):
                return
            self._last = now
            self.stream.write(f"{count} {self.what}\n")
            self._lines = True
        self.stream.flush()

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
