"""Progress on standard error: a bar redrawn on a terminal; in a log, nothing for work done
within ``every`` seconds, then a plain line at most that often and the last one."""

from __future__ import annotations

import io

import pytest

from engine.cli import progress as module
from engine.cli.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_redrawn_in_place() -> None:
    out = Terminal()
    bar = Progress("sent", stream=out, width=10)
    for done in (0, 5, 10):
        bar(done, 10)
    bar.close()
    assert out.getvalue() == (
        "\r[..........] 0/10 sent\r[#####.....] 5/10 sent\r[##########] 10/10 sent\n"
    )


def test_a_log_gets_nothing_for_quick_work() -> None:
    out = io.StringIO()
    lines = Progress("sent", stream=out)
    for done in range(1, 11):
        lines(done, 10)
    lines.close()
    assert out.getvalue() == ""


def test_a_log_gets_periodic_lines_and_the_last(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    out = io.StringIO()
    lines = Progress("archived", stream=out, every=2.0)
    for done in range(1, 8):
        now[0] += 0.9  # a batch every 0.9 s
        lines(done * 1000, None if done < 7 else 7000)
    assert out.getvalue().splitlines() == [
        "3,000 archived",  # 2.7 s in
        "6,000 archived",  # 2.7 s later
        "7,000/7,000 archived",  # the last one, since lines were printed
    ]
