"""Why (not)? Blockers with clause values, refusals, ignored events, bad event data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.errors import EvaluationError
from engine.runtime import Event, EventRefused
from tests.runtime.helpers import T0, Machine

ORDER = """
id: t.explain
version: 1
context:
  total: decimal
  credit_limit: decimal
  approved: {type: boolean, default: true}
  coupon: {type: integer, optional: true}
events:
  pay: {data: {amount: decimal}}
ignore: [heartbeat]
states:
  review:
    ignore: [nudge]
    on:
      pay:
        target: paid
        guard: total <= credit_limit and approved and event.amount == total
      discount:
        target: discounted
        guard: coupon > 0
  paid:
    on:
      ship: shipped
  discounted: {}
  shipped: {}
"""


def machine(**context: object) -> Machine:
    return Machine(ORDER, {"total": "600", "credit_limit": "500", **context})


def refusal(m: Machine, name: str, data: dict[str, object] | None = None) -> EventRefused:
    with pytest.raises(EventRefused) as info:
        m.send(name, data)
    return info.value


def test_a_false_guard_is_explained_clause_by_clause_with_the_values_read() -> None:
    m = machine()
    (blocker,) = refusal(m, "pay", {"amount": "600"}).blockers
    assert blocker.code == "guard_false"
    assert blocker.transition is not None and blocker.transition.targets == ("paid",)
    first, second, third = blocker.clauses
    assert (first.text, first.result) == ("total <= credit_limit", False)
    assert first.values == {"total": Decimal("600"), "credit_limit": Decimal("500")}
    assert (second.text, second.result) == ("approved", True)
    assert third.result is True and third.values["event.amount"] == Decimal("600")
    assert "`total <= credit_limit` is false (total = 600, credit_limit = 500)" in blocker.message


def test_a_guard_that_cannot_be_evaluated() -> None:
    (blocker,) = refusal(machine(), "discount").blockers
    assert blocker.code == "guard_error"
    assert isinstance(blocker.clauses[0].result, EvaluationError)
    assert "'coupon' is not set" in blocker.message


def test_an_event_of_another_state() -> None:
    (blocker,) = refusal(machine(), "ship").blockers
    assert blocker.code == "not_in_source_state"
    assert "'paid' is not active (active: 'review')" in blocker.message


def test_an_event_no_state_handles() -> None:
    (blocker,) = refusal(machine(), "teleport").blockers
    assert blocker.code == "no_transition"


def test_event_data_is_coerced_to_its_declaration() -> None:
    m = machine(credit_limit="700")
    m.send("pay", {"amount": "600"})
    assert m.config == {"paid"}
    assert m.last.event is not None and m.last.event.data == {"amount": Decimal("600")}


def test_event_data_that_does_not_fit_is_refused() -> None:
    (blocker,) = refusal(machine(), "pay", {"amount": "lots"}).blockers
    assert blocker.code == "bad_event_data"
    assert "amount" in blocker.message


@pytest.mark.parametrize("name", ["heartbeat", "nudge"])
def test_ignored_events_change_nothing(name: str) -> None:
    m = machine()
    before = m.snapshot
    step = m.send(name)
    assert step.after is before
    assert step.ignored and not step.microsteps and not step.effects


def test_explain_lists_candidates_and_what_would_be_taken() -> None:
    m = machine(credit_limit="700")
    found = m.interp.explain(m.snapshot, Event("pay", {"amount": "600"}), T0, instance=m.info())
    assert found.accepted and not found.ignored and not found.blockers
    (candidate,) = found.candidates
    assert candidate.taken and candidate.source_active
    assert [c.result for c in candidate.clauses] == [True, True, True]
    assert m.config == {"review"}, "explain runs nothing"


def test_explain_of_refused_and_ignored_events() -> None:
    m = machine()
    refused = m.interp.explain(m.snapshot, Event("ship"), T0, instance=m.info())
    assert not refused.accepted and not refused.ignored
    assert [b.code for b in refused.blockers] == ["not_in_source_state"]
    assert refused.candidates[0].source_active is False
    ignored = m.interp.explain(m.snapshot, Event("heartbeat"), T0, instance=m.info())
    assert ignored.ignored and not ignored.accepted


def test_a_finished_instance_refuses_everything() -> None:
    m = Machine(
        """
        id: t.done
        version: 1
        states:
          a:
            on: {end: z}
          z: {type: final}
        """
    )
    m.send("end")
    (blocker,) = refusal(m, "end").blockers
    assert blocker.code == "instance_done"
    found = m.interp.explain(m.snapshot, Event("end"), T0, instance=m.info())
    assert [b.code for b in found.blockers] == ["instance_done"]
    assert m.interp.manual_actions(m.snapshot, T0, instance=m.info()) == ()


def test_a_guard_error_falls_through_to_the_next_transition_and_is_logged() -> None:
    m = Machine(
        """
        id: t.fallthrough
        version: 1
        context:
          limit: {type: integer, optional: true}
        states:
          a:
            on:
              go:
                - {target: b, guard: limit > 3}
                - c
          b: {}
          c: {}
        """
    )
    step = m.send("go")
    assert m.config == {"c"}
    assert any("treated as false" in getattr(e, "message", "") for e in step.effects)
