"""Writing benchmark results into docs/performance.md, one section per benchmark."""

from __future__ import annotations

import datetime as dt
import platform
from pathlib import Path

__all__ = ["write_section"]

_HEADER = """# Performance

Benchmarks live in `bench/` and are run with `make bench`; each writes its own section
below. Figures are from this project's machines (2 cores, 24 GiB), which are shared and
noisy: compare ratios measured in the same run, not absolute numbers across runs.
"""


def write_section(path: Path, title: str, body: str) -> None:
    """Replace (or add) the ``## title`` section of the performance page."""
    text = path.read_text(encoding="utf-8") if path.exists() else _HEADER
    stamp = f"_Measured {dt.date.today().isoformat()} with Python {platform.python_version()}._\n\n"
    section = f"## {title}\n\n{stamp}{body.rstrip()}\n"
    head = f"## {title}\n"
    if head in text:
        start = text.index(head)
        nxt = text.find("\n## ", start + len(head))
        end = len(text) if nxt == -1 else nxt + 1
        text = text[:start] + section + ("\n" if nxt != -1 else "") + text[end:]
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text, encoding="utf-8")
