"""Order export: exporters bound to milestones per shop, chains, blocking, failures, runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.reference.app import ReferenceSystems
from engine.reference.db import TaskRefused
from tests.reference.conftest import Calls

ORDER = {
    "order_no": "200",
    "shop_code": "SHOP10",
    "total": "689.74",
    "customer_email": "ann@example.com",
    "payment_mode": "online_auth",
}


def export(
    systems: ReferenceSystems, calls: Calls, milestone: str, key: str | None = None
) -> dict[str, Any]:
    return dict(
        systems.exports.export_order(
            {**ORDER, "eligibility": milestone},
            idempotency_key=key or calls.key(),
            instance=calls.instance,
        )
    )


def test_a_chain_of_exporters(systems: ReferenceSystems, calls: Calls, tmp_path: Path) -> None:
    ex = systems.exports
    ex.register(
        "SHOP10",
        "FILE",
        kind="json_file",
        milestone="INITPAID",
        priority=10,
        next_milestone="EMAILNOTIFY",
    )
    ex.register(
        "SHOP10", "MAIL", kind="email", milestone="EMAILNOTIFY", to=["supplier@example.com"]
    )
    ex.register("SHOP20", "OTHER", kind="json_file", milestone="INITPAID", next_milestone="X")
    assert export(systems, calls, "INITPAID") == {"next_eligibility": "EMAILNOTIFY", "block": False}
    written = json.loads((tmp_path / "exports" / "SHOP10" / "200-INITPAID.json").read_text())
    assert written["order"]["order_no"] == "200" and written["payments"]["captured"] == "0.00"
    assert export(systems, calls, "EMAILNOTIFY") == {"next_eligibility": None, "block": False}
    [mail] = systems.mailbox.messages()
    assert mail.template == "sup_order_new" and mail.recipients == ("supplier@example.com",)
    assert [(r.exporter_id, r.milestone, r.result, r.next_milestone) for r in ex.runs("200")] == [
        ("FILE", "INITPAID", "ok", "EMAILNOTIFY"),
        ("MAIL", "EMAILNOTIFY", "ok", None),
    ]
    assert ex.by_milestone() == {("INITPAID", "ok"): 1, ("EMAILNOTIFY", "ok"): 1}


def test_the_first_next_milestone_wins(systems: ReferenceSystems, calls: Calls) -> None:
    ex = systems.exports
    ex.register(
        "SHOP10",
        "A",
        kind="manual_state",
        milestone="INITPAID",
        priority=10,
        next_milestone="B2B",
        block=True,
    )
    ex.register(
        "SHOP10", "B", kind="json_file", milestone="INITPAID", priority=20, next_milestone="OTHER"
    )
    assert export(systems, calls, "INITPAID") == {"next_eligibility": "B2B", "block": True}
    runs = ex.runs("200")
    assert "blocked for a manual export" in runs[0].message
    assert "next milestone OTHER ignored (already B2B)" in runs[1].message


def test_no_exporter_ends_the_chain(systems: ReferenceSystems, calls: Calls) -> None:
    assert export(systems, calls, "DELIVERY") == {"next_eligibility": None, "block": False}
    assert systems.exports.runs() == []


def test_a_failing_exporter_is_recorded_and_fails_the_task(
    systems: ReferenceSystems, calls: Calls, tmp_path: Path
) -> None:
    blocker = tmp_path / "exports"
    blocker.write_text("a file where the folder should be")
    systems.exports.register("SHOP10", "FILE", kind="json_file", milestone="CANCELLED")
    with pytest.raises(TaskRefused, match="FILE: "):
        export(systems, calls, "CANCELLED", key="k-export")
    with pytest.raises(TaskRefused):  # a repeat gives the same answer, records nothing more
        export(systems, calls, "CANCELLED", key="k-export")
    [run] = systems.exports.runs("200")
    assert run.result == "error" and run.milestone == "CANCELLED"


def test_repeated_exports_send_one_mail(systems: ReferenceSystems, calls: Calls) -> None:
    systems.exports.register(
        "SHOP10", "MAIL", kind="email", milestone="INITPAID", to=["s@example.com"]
    )
    export(systems, calls, "INITPAID", key="k-mail")
    export(systems, calls, "INITPAID", key="k-mail")
    assert len(systems.mailbox.messages()) == 1 and len(systems.exports.runs()) == 1


def test_bad_registrations_are_refused(systems: ReferenceSystems) -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        systems.exports.register("S", "X", kind="ftp", milestone="INITPAID")
    with pytest.raises(ValueError, match="needs addresses"):
        systems.exports.register("S", "X", kind="email", milestone="INITPAID")
    with pytest.raises(ValueError, match="needs next_milestone"):
        systems.exports.register("S", "X", kind="manual_state", milestone="INITPAID")
