"""uProduce jobs (finish after a delay, fail on request) and USAData lists (ready after a delay)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine import ManualClock
from engine.reference.app import ReferenceSystems
from engine.reference.db import TaskRefused
from tests.reference.conftest import Calls


def call(
    systems: ReferenceSystems, calls: Calls, task: str, key: str | None = None, **input: Any
) -> dict[str, Any]:
    handler = systems.ustore.tasks()[task]
    return dict(handler(input, idempotency_key=key or calls.key(), instance=calls.instance) or {})


def test_a_job_finishes_after_its_delay(
    systems: ReferenceSystems, calls: Calls, clock: ManualClock
) -> None:
    job = call(
        systems, calls, "submit_production_job", order_id="1", order_product_id="1-1", kind="email"
    )
    assert job == {"job_id": "1-1-J1"}
    assert call(systems, calls, "check_production_job", job_id="1-1-J1") == {
        "status": "running",
        "message": "",
    }
    clock.advance(timedelta(minutes=7))  # at most job_time + job_spread
    assert call(systems, calls, "check_production_job", job_id="1-1-J1") == {
        "status": "done",
        "message": "",
    }
    assert systems.ustore.job_counts() == {"done": 1}


def test_a_job_fails_with_the_error_asked_for(
    systems: ReferenceSystems, calls: Calls, clock: ManualClock
) -> None:
    systems.ustore.fail_next("1-2", "Campaign not found (code 17)")
    call(
        systems, calls, "submit_production_job", order_id="1", order_product_id="1-2", kind="print"
    )
    clock.advance(timedelta(minutes=7))
    answer = call(systems, calls, "check_production_job", job_id="1-2-J1")
    assert answer == {"status": "failed", "message": "Campaign not found (code 17)"}
    # the fault was used up: the retry's job succeeds
    call(
        systems, calls, "submit_production_job", order_id="1", order_product_id="1-2", kind="print"
    )
    clock.advance(timedelta(minutes=7))
    assert call(systems, calls, "check_production_job", job_id="1-2-J2")["status"] == "done"
    assert [j["status"] for j in systems.ustore.jobs("1-2")] == ["failed", "done"]


def test_a_resubmitted_call_is_one_job(systems: ReferenceSystems, calls: Calls) -> None:
    for _ in range(2):
        call(
            systems,
            calls,
            "submit_production_job",
            key="k-1",
            order_id="1",
            order_product_id="1-3",
            kind="email",
        )
    assert len(systems.ustore.jobs("1-3")) == 1


def test_unknown_job_is_refused(systems: ReferenceSystems, calls: Calls) -> None:
    with pytest.raises(TaskRefused, match="uProduce has no job X"):
        call(systems, calls, "check_production_job", job_id="X")


def test_a_recipient_list_is_ready_after_its_delay(
    systems: ReferenceSystems, calls: Calls, clock: ManualClock
) -> None:
    systems.ustore.order_list("1-4", records=5000, ready_after=timedelta(minutes=40))
    assert call(systems, calls, "check_recipient_list", order_product_id="1-4") == {"ready": False}
    clock.advance(timedelta(minutes=40))
    assert call(systems, calls, "check_recipient_list", order_product_id="1-4") == {"ready": True}
    with pytest.raises(TaskRefused, match="USAData has no recipient list for item 1-5"):
        call(systems, calls, "check_recipient_list", order_product_id="1-5")
