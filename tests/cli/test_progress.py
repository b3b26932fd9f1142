"""Progress of long commands: a bar on a terminal, a line every few seconds otherwise."""

from __future__ import annotations

import io

import pytest

from engine.cli.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_redrawn_in_place() -> None:
    out = Terminal()
    progress = Progress("done", out, width=10)
    progress(3, 10)
    progress(10, 10)
    progress.close()
    assert out.getvalue() == "\r[###.......] 3/10 done\r[##########] 10/10 done\n"


def test_a_log_gets_a_plain_line_every_few_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr("engine.cli.progress.time.monotonic", lambda: now[0])
    out = io.StringIO()
    progress = Progress("instances replayed", out, every=5.0)
    progress(100, 1000)  # within the first five seconds: nothing
    now[0] = 106.0
    progress(600, 1000)
    now[0] = 107.0
    progress(700, 1000)  # one second later: nothing
    progress.close()
    assert out.getvalue() == "600/1000 instances replayed\n"


def test_a_log_gets_the_last_line_once_it_printed_some(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr("engine.cli.progress.time.monotonic", lambda: now[0])
    out = io.StringIO()
    progress = Progress("archived", out, every=2.0)
    for done in range(1, 8):
        now[0] += 0.9  # a batch every 0.9 s
        progress(done * 1000, None if done < 7 else 7000)
    assert out.getvalue().splitlines() == [
        "3000 archived",  # 2.7 s in; the total is not known yet
        "6000 archived",  # 2.7 s later
        "7000/7000 archived",  # the last one, since lines were printed
    ]


def test_quick_work_prints_nothing_in_a_log() -> None:
    out = io.StringIO()
    progress = Progress("sent", out)
    for done in range(1, 11):
        progress(done, 10)
    progress.close()
    assert out.getvalue() == ""
