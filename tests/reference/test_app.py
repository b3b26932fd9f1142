"""engine.reference.app:make covers every task and channel of the shipped flows; without it
a worker stops at start, naming the tasks that have no handler."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli import main
from engine.flows import shipped_flows
from engine.ops.setup import load_app, load_definitions
from engine.reference.clock import FileClock
from engine.reference.mailbox import Mailbox
from engine.service.registry import chart_needs


def test_the_reference_app_covers_the_shipped_flows(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STATEWISE_SMTP_HOST", raising=False)
    monkeypatch.delenv("STATEWISE_SMS_URL", raising=False)
    monkeypatch.delenv("STATEWISE_CLOCK_FILE", raising=False)
    app = load_app("engine.reference.app:make", sqlite_url)
    needs = [chart_needs(c) for c in load_definitions(shipped_flows())]
    tasks = set().union(*(n.tasks for n in needs))
    assert tasks <= set(app.tasks) and len(tasks) == 25  # collect: map_customer, post_intercompany
    assert set().union(*(n.channels for n in needs)) <= set(app.transports)
    assert isinstance(app.transports["email"], Mailbox) and app.clock is None


def test_smtp_and_a_shared_clock_from_the_environment(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATEWISE_SMTP_HOST", "127.0.0.1")
    monkeypatch.delenv("STATEWISE_SMS_URL", raising=False)
    clock = tmp_path / "clock"
    clock.write_text("2026-11-27T09:00:00+00:00")
    monkeypatch.setenv("STATEWISE_CLOCK_FILE", str(clock))
    app = load_app("engine.reference.app:make", sqlite_url)
    assert type(app.transports["email"]).__name__ == "SmtpTransport"
    assert isinstance(app.transports["sms"], Mailbox)
    assert isinstance(app.clock, FileClock) and app.clock.now().hour == 9


def test_a_worker_without_handlers_names_the_tasks(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["worker", "--db", sqlite_url, "--definitions", "builtin:", "--once"])
    assert code == 2
    err = capsys.readouterr().err
    assert "no handler for task(s)" in err and "crm_send_order" in err
