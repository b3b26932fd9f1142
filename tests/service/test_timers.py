"""Timers: scheduled on entry, indexed in the store, fired by tick() with a manual clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import Engine, ManualClock, MemoryStore

from .conftest import ORDER, START


def test_a_due_timer_fires_on_tick_as_its_own_step(
    engine: Engine, clock: ManualClock, store: MemoryStore
) -> None:
    inst = engine.start("test.order", ORDER)
    assert store.timers(inst.id) == {t.id: t.due for t in inst.timers.values()}
    assert list(store.timers(inst.id).values()) == [START + timedelta(minutes=30)]
    clock.advance(timedelta(minutes=29))
    assert engine.tick() == 0
    clock.advance(timedelta(minutes=2))
    assert engine.tick() == 1
    after = engine.get(inst.id)
    assert after.leaf_states == ("expired",) and after.done
    assert store.timers(inst.id) == {} and not after.timers
    last = engine.history(inst.id)[-1]
    assert last.event is not None and last.event.startswith("after.")
    assert last.time == START + timedelta(minutes=30)  # the step runs at the due time
    assert engine.tick() == 0


def test_leaving_the_state_cancels_the_timer(
    engine: Engine, clock: ManualClock, store: MemoryStore
) -> None:
    inst = engine.start("test.order", ORDER)
    engine.send(inst.id, "approve")
    assert store.timers(inst.id) == {}
    clock.advance(timedelta(hours=2))
    assert engine.tick() == 0
    assert engine.get(inst.id).leaf_states == ("approved",)


def test_tick_fires_every_due_timer_in_due_order(engine: Engine, clock: ManualClock) -> None:
    first = engine.start("test.order", ORDER)
    clock.advance(timedelta(minutes=10))
    second = engine.start("test.order", ORDER)
    third = engine.start("test.order", ORDER)
    engine.send(third.id, "pay")
    assert engine.tick(START + timedelta(hours=1)) == 2
    assert engine.get(first.id).leaf_states == engine.get(second.id).leaf_states == ("expired",)
    times = [engine.history(i.id)[-1].time for i in (first, second)]
    assert times == [START + timedelta(minutes=30), START + timedelta(minutes=40)]


def test_a_timer_whose_step_fails_stays_due_and_the_others_fire(
    charts: dict, clock: ManualClock
) -> None:
    from engine import EffectFailed, load_text

    broken = load_text(
        """
id: test.broken_timer
version: 1
context: {divisor: integer, ratio: {type: decimal, optional: true}}
states:
  waiting:
    after:
      - delay: 5m
        target: over
        actions: [{assign: {ratio: 1 / divisor}}]
  over: {type: final}
""",
        "broken.yaml",
    )
    engine = Engine(
        MemoryStore(), clock, transports={"email": __import__("engine").MemoryTransport()}
    )
    bad = engine.start(broken, {"divisor": 0})
    good = engine.start(broken, {"divisor": 2})
    clock.advance(timedelta(minutes=5))
    with pytest.raises(EffectFailed) as caught:
        engine.tick()
    assert "1 / divisor" in str(caught.value) and caught.value.instance.id == bad.id
    assert engine.get(good.id).leaf_states == ("over",)
    assert engine.get(bad.id).leaf_states == ("waiting",)
    with pytest.raises(EffectFailed):  # still due: tried again, fails again
        engine.tick()
