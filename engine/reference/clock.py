"""A simulated clock shared by processes: the current time is the timestamp in a file.

A simulation (``statewise demo --workers N``, the end-to-end tests) moves time forward by
writing the file; every worker reads it as its clock. ``STATEWISE_CLOCK_FILE`` makes the
reference application (``engine.reference.app:make``) use one.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["FileClock"]


class FileClock:
    """``now()`` is the ISO 8601 time written in ``path`` (re-read when the file changes)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._seen: tuple[int, int, int] | None = None
        self._now: datetime | None = None

    def now(self) -> datetime:
        st = os.stat(self.path)
        seen = (st.st_ino, st.st_mtime_ns, st.st_size)
        if seen != self._seen or self._now is None:
            when = datetime.fromisoformat(self.path.read_text(encoding="utf-8").strip())
            if when.tzinfo is None:
                raise ValueError(f"{self.path}: {when.isoformat()} has no time zone")
            self._now, self._seen = when.astimezone(UTC), seen
        return self._now

    def set(self, when: datetime) -> None:
        """Move the shared time (written atomically: readers never see half a time)."""
        if when.tzinfo is None:
            raise ValueError("a FileClock needs an aware datetime")
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        tmp.write_text(when.astimezone(UTC).isoformat(), encoding="utf-8")
        os.replace(tmp, self.path)

    def __repr__(self) -> str:
        return f"FileClock({str(self.path)!r})"
