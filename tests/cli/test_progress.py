"""The bulk progress display: a bar on a terminal, plain lines otherwise (engine/cli/common.py)."""

from __future__ import annotations

import io

from engine.cli.common import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_redrawn_in_place() -> None:
    out = _Terminal()
    progress = Progress(4, "send:", out)
    for n in range(1, 5):
        progress.step(n)
    progress.finish()
    text = out.getvalue()
    assert text.count("\r[") == 4 and text.endswith("4/4\n")
    assert "send:" not in text


def test_a_log_gets_plain_lines_about_every_tenth() -> None:
    out = io.StringIO()
    progress = Progress(1000, "send:", out)
    for n in range(1, 1001):
        progress.step(n)
    progress.finish()
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert lines == [f"send: {n}/1000" for n in range(100, 1001, 100)]


def test_a_small_batch_reports_each_item_and_the_end() -> None:
    out = io.StringIO()
    progress = Progress(3, "bump:", out)
    for n in range(1, 4):
        progress.step(n)
    assert out.getvalue().splitlines() == ["bump: 1/3", "bump: 2/3", "bump: 3/3"]
