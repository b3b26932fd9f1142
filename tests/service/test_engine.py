"""The Engine facade: start, send, the Instance view, refusals, explain, manual actions,
history and notes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine import (
    Engine,
    EventRefused,
    InstanceNotFound,
    ManualClock,
    MemoryStore,
    MemoryTransport,
)
from engine.store import DuplicateKey

from .conftest import ORDER


def test_start_gives_a_read_only_view(engine: Engine) -> None:
    inst = engine.start("test.order", ORDER, key="A-1")
    assert inst.chart == "test.order" and inst.version == 1 and inst.key == "A-1"
    assert inst.leaf_states == ("pending",)
    assert inst.state_ids == ("pending",)
    assert inst.configuration == frozenset({"pending"})
    assert inst.status == "active" and not inst.done and inst.parent is None
    assert inst.context["total"] == Decimal("10.00") and inst.context["payments"] == 0
    assert inst.in_state("pending") and not inst.in_state("paid")
    with pytest.raises(TypeError):
        inst.context["total"] = 1  # type: ignore[index]
    assert engine.get(inst.id).row_version == inst.row_version == 1
    assert "pending" in repr(inst)


def test_send_takes_the_transition_and_returns_the_new_state(engine: Engine) -> None:
    inst = engine.start("test.order", ORDER)
    after = engine.send(inst.id, "pay")
    assert after.leaf_states == ("paid",) and after.done and after.status == "done"
    assert after.context["payments"] == 1
    assert after.row_version == 2
    assert engine.get(inst.id).leaf_states == ("paid",)


def test_refused_event_carries_blockers_and_changes_nothing(
    engine: Engine, store: MemoryStore
) -> None:
    inst = engine.start("test.order", {**ORDER, "total": "30.00"})
    before = store.load(inst.id)
    with pytest.raises(EventRefused) as caught:
        engine.send(inst.id, "pay")
    codes = [b.code for b in caught.value.blockers]
    assert codes == ["guard_false", "not_in_source_state"]  # pending --pay--> ; approved --pay-->
    assert caught.value.blockers[0].clauses[0].text == "total <= credit_limit"
    assert store.load(inst.id) is before
    assert len(engine.history(inst.id)) == 1


def test_unknown_event_is_refused_with_no_transition(engine: Engine) -> None:
    inst = engine.start("test.order", ORDER)
    with pytest.raises(EventRefused) as caught:
        engine.send(inst.id, "no.such.event")
    assert caught.value.blockers and caught.value.blockers[0].code == "no_transition"


def test_explain_names_the_failing_guard_clause_and_its_values(engine: Engine) -> None:
    inst = engine.start("test.order", {**ORDER, "total": "30.00"})
    explanation = engine.explain(inst.id, "pay")
    assert not explanation.accepted
    (candidate,) = [c for c in explanation.candidates if c.source_active]
    failing = [c for c in candidate.clauses if not c.passed]
    assert [c.text for c in failing] == ["total <= credit_limit"]
    assert failing[0].values == {"total": Decimal("30.00"), "credit_limit": Decimal("20.00")}
    assert [c.text for c in candidate.clauses if c.passed] == ["payments == 0"]
    assert explanation.blockers[0].code == "guard_false"
    # explain never changes anything
    assert engine.get(inst.id).row_version == 1


def test_manual_actions_follow_roles(engine: Engine) -> None:
    inst = engine.start("test.order", ORDER)
    labels = {a.label for a in engine.available_events(inst.id)}
    assert labels == {"Approve order", "Cancel order"}
    clerk = engine.available_events(inst.id, roles=["clerk"])
    assert [(a.event, a.label) for a in clerk] == [("approve", "Approve order")]
    assert engine.available_events(inst.id, roles=["nobody"]) == ()
    (cancel,) = [
        a for a in engine.available_events(inst.id, roles=["admin"]) if a.event == "cancel"
    ]
    assert cancel.note_required


@pytest.mark.parametrize(
    ("roles", "note", "code"),
    [
        (["clerk"], "customer asked", "role_not_allowed"),
        (["admin"], None, "note_required"),
    ],
)
def test_manual_action_rules_refuse(
    engine: Engine, roles: list[str], note: str | None, code: str
) -> None:
    inst = engine.start("test.order", ORDER)
    with pytest.raises(EventRefused) as caught:
        engine.send(inst.id, "cancel", roles=roles, note=note)
    assert code in [b.code for b in caught.value.blockers]


def test_history_records_who_why_and_when(engine: Engine, clock: ManualClock) -> None:
    inst = engine.start("test.order", ORDER)
    engine.note(inst.id, "called the customer", actor="bob")
    engine.send(
        inst.id, "cancel", roles=["admin"], actor="ann", note="asked by phone", client_note="Sorry!"
    )
    trail = engine.history(inst.id)
    assert [(r.kind, r.event) for r in trail] == [
        ("start", None),
        ("note", None),
        ("event", "cancel"),
    ]
    start, note, cancel = trail
    assert start.from_configuration == () and start.to_configuration == ("pending",)
    assert note.note == "called the customer" and note.actor == "bob"
    assert note.from_configuration == note.to_configuration == ("pending",)
    assert (cancel.from_configuration, cancel.to_configuration) == (("pending",), ("cancelled",))
    assert (cancel.actor, cancel.note, cancel.client_note) == ("ann", "asked by phone", "Sorry!")
    assert cancel.time == clock.now()
    assert [r.seq for r in trail] == [1, 2, 3]


def test_log_actions_go_into_the_audit_trail(engine: Engine) -> None:
    inst = engine.start("test.order", ORDER)
    engine.send(inst.id, "pay")
    logs = [r for r in engine.history(inst.id) if r.kind == "log"]
    assert [r.note for r in logs] == ["order paid"]


def test_find_get_and_duplicate_keys(engine: Engine) -> None:
    inst = engine.start("test.order", ORDER, key="A-1")
    found = engine.find("test.order", "A-1")
    assert found is not None and found.id == inst.id
    assert engine.find("test.order", "B-2") is None
    with pytest.raises(DuplicateKey):
        engine.start("test.order", ORDER, key="A-1")
    with pytest.raises(InstanceNotFound):
        engine.get("nope")


def test_audit_can_be_switched_off(charts: dict, clock: ManualClock) -> None:
    engine = Engine(MemoryStore(audit=False), clock, transports={"email": MemoryTransport()})
    inst = engine.start(charts["order"], ORDER)
    engine.send(inst.id, "pay")
    assert engine.history(inst.id) == ()
    assert engine.get(inst.id).done
