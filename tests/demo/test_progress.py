"""Progress: a bar redrawn in place on a terminal, plain lines every tenth otherwise."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from engine.demo.progress import Progress

START = datetime(2026, 11, 27, 7, tzinfo=UTC)
END = START + timedelta(hours=10)


def test_a_bar_on_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress(START, END, bar=True, out=out)
    progress.update(START + timedelta(hours=5), 12)
    progress.update(END, 30)
    progress.finish()
    text = out.getvalue()
    assert "\r  [###############...............]  50%  Fri 12:00  12 orders in" in text
    assert text.endswith("100%  Fri 17:00  30 orders in\n")


def test_plain_lines_otherwise() -> None:
    out = io.StringIO()
    progress = Progress(START, END, bar=False, out=out)
    for minutes in range(0, 601, 5):
        progress.update(START + timedelta(minutes=minutes), minutes)
    lines = out.getvalue().splitlines()
    assert len(lines) == 11 and "\r" not in out.getvalue()
    assert lines[5].startswith("   50% of the day  Fri 12:00  300 orders in")
