"""Progress of the simulated day: a bar on a terminal, plain periodic lines otherwise."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    def __init__(
        self, start: datetime, end: datetime, *, bar: bool | None = None, out: TextIO | None = None
    ) -> None:
        self.start, self.end = start, end
        self.out = out or sys.stdout
        self.bar = self.out.isatty() if bar is None else bar
        self._shown = -1
        self._last = 0.0
        self.began = time.monotonic()

    def update(self, now: datetime, orders: int) -> None:
        span = (self.end - self.start).total_seconds()
        done = max(0.0, min(1.0, (now - self.start).total_seconds() / span))
        when = now.strftime("%a %H:%M")
        if self.bar:
            tick = time.monotonic()
            if tick - self._last < 0.1 and done < 1.0:
                return
            self._last = tick
            filled = int(done * 30)
            line = (
                f"\r  [{'#' * filled}{'.' * (30 - filled)}] {done:4.0%}  {when}  {orders} orders in"
            )
            self.out.write(line)
            self.out.flush()
            return
        step = int(done * 10)
        if step > self._shown:
            self._shown = step
            took = time.monotonic() - self.began
            print(
                f"  {done:4.0%} of the day  {when}  {orders} orders in  ({took:.0f} s)",
                file=self.out,
                flush=True,
            )

    def finish(self) -> None:
        if self.bar:
            self.out.write("\n")
            self.out.flush()
