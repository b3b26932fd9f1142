"""The replayer on a day of ``rp.order`` instances kept in memory (with step details): which
instances a changed chart parts from, where, and why."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine import load_chart
from engine.model.mapping import StateMap
from engine.ops.forcing import force
from engine.replay import InstanceResult, Replayer
from engine.replay.instance import NOT_RECORDED
from engine.service.instance import leaf_states
from engine.store import MemoryStore
from tests.replay.helpers import T0, Plan, chart, plans, seed_day, variant

Day = tuple[MemoryStore, list[Plan], dict[str, str]]

GUARD = "guard: total <= 1000"
DELAY = "delay: 2h"


@pytest.fixture(scope="module")
def day() -> Day:
    store = MemoryStore(step_details=True)
    orders = plans(80)
    return store, orders, seed_day(store, orders)


def replay_all(
    day: Day, candidate: Path | None, states: StateMap | None = None
) -> dict[str, InstanceResult]:
    store, _, ids = day
    replayer = Replayer(chart() if candidate is None else load_chart(candidate), states)
    return {k: replayer.replay(store.load(i), store.history(i)) for k, i in ids.items()}


def parted(results: dict[str, InstanceResult], outcome: str = "diverged") -> set[str]:
    return {k for k, r in results.items() if r.outcome == outcome}


def paid(p: Plan) -> bool:
    return p.pay is not None and p.cancel is None


def test_the_stored_chart_replays_every_instance_clean(day: Day) -> None:
    store, _, ids = day
    results = replay_all(day, None)
    assert {r.outcome for r in results.values()} == {"identical"}
    for key, r in results.items():  # every step replayed: start, events, timers, outcomes
        steps = [a for a in store.history(ids[key]) if a.kind in ("start", "event")]
        assert r.steps == len(steps)
        assert r.states == leaf_states(chart(), store.load(ids[key]).snapshot.configuration)


def test_a_candidate_identical_in_meaning_replays_clean(day: Day, tmp_path: Path) -> None:
    candidate = variant(
        tmp_path,
        ("id: rp.order", "id: rp.order\ntitle: Orders, reworded\ndescription: same meaning"),
        ("manual: {label: Cancel order, roles: [clerk], note_required: true}",
         "manual: {note_required: true, roles: [clerk], label: Call the order off}"),
        ("subject: \"Order {{ instance.key }}\", body: \"We received {{ total }}.\"",
         "subject: \"Your order {{ instance.key }}\", body: \"Thank you: {{ total }}.\""),
    )  # fmt: skip
    assert parted(replay_all(day, candidate)) == set()
    assert {r.outcome for r in replay_all(day, candidate).values()} == {"identical"}


def test_a_guard_change_parts_exactly_the_instances_it_affects(day: Day, tmp_path: Path) -> None:
    _, orders, _ = day
    results = replay_all(day, variant(tmp_path, (GUARD, "guard: total <= 500")))
    expected = {p.key for p in orders if paid(p) and 500 < p.total <= 1000}
    assert expected and parted(results) == expected
    assert parted(results, "refused") == set()
    for key in expected:
        first = results[key].first
        assert first is not None and first.event == "pay"
        aspects = {d.aspect for d in first.differences}
        assert {"configuration", "notifications"} <= aspects
        assert "the candidate in review" in first.text()


def test_a_removed_transition_refuses_the_events_that_took_it(day: Day, tmp_path: Path) -> None:
    _, orders, _ = day
    cancel = "      cancel:\n        target: cancelled\n        manual: {label: Cancel order, roles: [clerk], note_required: true}\n"
    results = replay_all(day, variant(tmp_path, (cancel, "")))
    expected = {p.key for p in orders if p.cancel is not None}
    assert expected and parted(results, "refused") == expected
    assert parted(results) == set()
    for key in expected:
        first = results[key].first
        assert first is not None and first.event == "cancel" and first.blockers
        assert "cancel" in first.blockers[0]


def test_roles_are_replayed_as_they_were_sent(day: Day, tmp_path: Path) -> None:
    results = replay_all(
        day,
        variant(tmp_path, ("manual: {label: Ship, roles: [warehouse]}", "manual: {label: Ship, roles: [shipping]}")),
    )  # fmt: skip
    shipped = {k for k, r in replay_all(day, None).items() if "shipped" in r.states}
    assert shipped and parted(results, "refused") == shipped
    blocker = results[sorted(shipped)[0]].first.blockers[0]  # type: ignore[union-attr]
    assert "shipping" in blocker and "warehouse" in blocker


def test_timers_fire_at_their_recorded_times(day: Day, tmp_path: Path) -> None:
    """Two hours become three: every order the stored reminder fired for parts at that very
    firing, two hours after its start; the others (paid or cancelled first) do not."""
    _, orders, _ = day
    results = replay_all(day, variant(tmp_path, (DELAY, "delay: 3h")))
    reminded = {p.key for p in orders if p.cancel is None and (p.pay is None or p.pay > 120)}
    assert reminded and parted(results) == reminded
    for n, p in enumerate(orders):
        if p.key in reminded:
            first = results[p.key].first
            assert first is not None and first.event == "after.open.fresh.0"
            assert first.time == T0 + timedelta(minutes=n, hours=2)
            (diff,) = first.differences
            assert diff.aspect == "timers" and diff.candidate["due"] == first.time + timedelta(
                hours=1
            )


def test_a_timer_due_earlier_parts_before_the_next_stored_step(day: Day, tmp_path: Path) -> None:
    _, orders, _ = day
    results = replay_all(day, variant(tmp_path, (DELAY, "delay: 1h")))
    first_act = {
        p.key: min(m for m in (p.pay, p.cancel) if m is not None)
        for p in orders
        if p.pay or p.cancel
    }
    calm = {k for k, m in first_act.items() if m <= 60}
    assert parted(results) == {p.key for p in orders} - calm
    early = next(r.first for k, r in results.items() if k not in calm)
    assert (
        early is not None and "falls due at" in early.text() and early.event == "after.open.fresh.0"
    )


def test_steps_run_at_their_recorded_times(day: Day, tmp_path: Path) -> None:
    """The chart keeps now() of the payment, the reminder and the task outcome: the stored
    chart replays clean (above), and a candidate that keeps another time is caught."""
    _, orders, _ = day
    results = replay_all(
        day, variant(tmp_path, ("- assign: {checked_at: now()}", "- assign: {checked_at: now() + 1s}"))
    )  # fmt: skip
    checked = {p.key for p in orders if paid(p) and p.total <= 1000 and p.stock_ok}
    assert checked and parted(results) == checked
    first = results[sorted(checked)[0]].first
    assert first is not None and first.event == "done.invoke.check_stock"
    (diff,) = first.differences
    assert diff.aspect == "context" and set(diff.stored) == {"checked_at"}
    assert diff.candidate["checked_at"] == diff.stored["checked_at"] + timedelta(seconds=1)


def test_task_outcomes_are_replayed_with_their_data(day: Day, tmp_path: Path) -> None:
    _, orders, _ = day
    results = replay_all(
        day, variant(tmp_path, ("guard: event.ok", "guard: event.ok and total < 300"))
    )
    expected = {p.key for p in orders if paid(p) and 300 <= p.total <= 1000 and p.stock_ok}
    assert expected and parted(results) == expected


def test_a_renamed_state_replays_clean_through_the_state_mapping(day: Day, tmp_path: Path) -> None:
    candidate = load_chart(variant(tmp_path, ("      fresh:\n", "      new_order:\n"),
                                   ("initial: fresh", "initial: new_order")))  # fmt: skip
    store, _, ids = day
    stored_ids = {s for i in ids.values() for a in store.history(i) for s in a.to_configuration}
    replayer = Replayer(candidate)
    results = {k: replayer.replay(store.load(i), store.history(i)) for k, i in ids.items()}
    assert {r.outcome for r in results.values()} == {"diverged"}
    assert "no mapping for state 'open.fresh'" in next(iter(results.values())).first.text()  # type: ignore[union-attr]
    states = StateMap(stored_ids, candidate, {"fresh": "new_order"}, strict=False)
    mapped = Replayer(candidate, states)
    assert {mapped.replay(store.load(i), store.history(i)).outcome for i in ids.values()} == {
        "identical"
    }


def test_pending_timers_are_compared_after_the_last_step(tmp_path: Path) -> None:
    store = MemoryStore(step_details=True)
    ids = seed_day(store, [Plan("A", 10, None, None, None, True)], until=timedelta(minutes=30))
    result = Replayer(load_chart(variant(tmp_path, (DELAY, "delay: 3h")))).replay(
        store.load(ids["A"]), store.history(ids["A"])
    )
    assert result.outcome == "diverged" and result.first is not None
    assert result.first.seq is None and result.first.event == "(end of history)"
    assert "pending timers differ" in result.first.text() and result.first.focus == ("open.fresh",)


def test_forced_changes_are_replayed(day: Day, tmp_path: Path) -> None:
    store = MemoryStore(step_details=True)
    from engine import Engine, ManualClock, MemoryTransport

    ids = seed_day(store, [Plan("F", 10, None, None, None, True)], until=timedelta(minutes=10))
    engine = Engine(store, ManualClock(T0 + timedelta(minutes=20)), tasks={"check_stock": lambda *a, **k: None},
                    transports={"email": MemoryTransport()}, charts=[chart()])  # fmt: skip
    force(engine, ids["F"], "review", reason="paid by bank transfer", actor="ann")
    engine.note(ids["F"], "the customer called", actor="bo")  # notes are not steps
    record, trail = store.load(ids["F"]), store.history(ids["F"])
    assert Replayer(chart()).replay(record, trail).outcome == "identical"
    gone = variant(tmp_path, ("  review:\n    on:\n      accept: {target: checking, manual: {label: Accept, roles: [manager]}}\n", ""),
                   ("        - target: review\n", "        - target: cancelled\n"))  # fmt: skip
    result = Replayer(load_chart(gone)).replay(record, trail)
    assert result.outcome == "diverged" and result.first is not None
    assert result.first.event == "(forced)" and "review" in result.first.text()


def test_history_without_step_details_is_skipped_with_the_reason() -> None:
    plain = MemoryStore()  # keeps no step details: like history written before v0006
    ids = seed_day(plain, [Plan("P", 10, 5, None, None, True)], until=timedelta(minutes=10))
    result = Replayer(chart()).replay(plain.load(ids["P"]), plain.history(ids["P"]))
    assert (result.outcome, result.reason) == ("skipped", NOT_RECORDED)
    bare = Replayer(chart()).replay(plain.load(ids["P"]), ())
    assert bare.outcome == "skipped" and "no start" in (bare.reason or "")


def test_a_candidate_that_cannot_start_an_instance_refuses_it(day: Day, tmp_path: Path) -> None:
    results = replay_all(
        day, variant(tmp_path, ("  email: string\n", "  email: string\n  region: string\n"))
    )
    assert {r.outcome for r in results.values()} == {"refused"}
    first = next(iter(results.values())).first
    assert first is not None and first.event == "(start)" and "region" in first.blockers[0]


def test_a_candidate_that_loops_refuses_instead_of_hanging(day: Day, tmp_path: Path) -> None:
    loop = variant(
        tmp_path,
        (
            "  review:\n    on:\n",
            "  review:\n    always: [{target: review, guard: total > 0}]\n    on:\n",
        ),
    )
    results = replay_all(day, loop)
    looped = parted(results, "refused")
    assert looped == {k for k, r in replay_all(day, None).items() if "review" in _visited(day, k)}
    first = results[sorted(looped)[0]].first
    assert first is not None and "microsteps" in first.blockers[0]


def _visited(day: Day, key: str) -> set[str]:
    store, _, ids = day
    return {s for a in store.history(ids[key]) for s in a.to_configuration}
