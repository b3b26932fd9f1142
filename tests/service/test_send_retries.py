"""A concurrent change makes the loser fail cleanly, or retry on the fresh instance when asked."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine, MemoryStore
from engine.loader import load_text
from engine.service.effects import EffectFailed
from engine.store.ports import ConcurrentUpdate
from engine.store.records import NO_CHANGES

CHART = """
id: t.counter
version: 1
context:
  n: {type: integer, default: 0}
events:
  bump: {source: external}
states:
  open:
    on:
      bump:
        actions:
          - assign: {n: n + 1}
"""


class _StaleOnce(MemoryStore):
    """Returns a record loaded earlier on the next load: another writer got there first."""

    def __init__(self) -> None:
        super().__init__()
        self.stale: Any = None

    def load(self, instance_id: str) -> Any:
        if self.stale is not None:
            record, self.stale = self.stale, None
            return record
        return super().load(instance_id)


def _setup() -> tuple[Engine, _StaleOnce, str]:
    chart = load_text(CHART, "counter.yaml")
    store = _StaleOnce()
    engine = Engine(store=store, charts=[chart])
    instance = engine.start(chart, {})
    stale = store.load(instance.id)  # this writer read version 1 ...
    engine.send(instance.id, "bump")  # ... while another committed version 2
    store.stale = stale
    return engine, store, instance.id


def test_the_loser_fails_cleanly_without_retries() -> None:
    engine, store, iid = _setup()
    before = MemoryStore.load(store, iid)
    with pytest.raises(ConcurrentUpdate):
        engine.send(iid, "bump")
    after = MemoryStore.load(store, iid)
    assert after.row_version == before.row_version and after.snapshot is before.snapshot
    assert engine.get(iid).context["n"] == 1


def test_the_loser_retries_on_the_fresh_instance_when_asked() -> None:
    engine, _, iid = _setup()
    result = engine.send(iid, "bump", retries=1)
    assert result.context["n"] == 2  # applied once, on top of the other writer's change
    assert [h.event for h in engine.history(iid)] == [None, "bump", "bump"]


TASKED = """
id: t.tasked
version: 1
tasks:
  check: {result: {outcome: {type: enum, values: [ok, no]}}}
states:
  waiting:
    entry:
      - task: {name: check}
    on:
      done.invoke.check: checked
  checked: {type: final}
"""


class _Racing(MemoryStore):
    """Another writer saves the instance right after each of the next ``races`` loads of it
    in state ``waiting``: the loader's save then meets a newer row version."""

    races = 0

    def load(self, instance_id: str) -> Any:
        record = super().load(instance_id)
        if self.races and record.snapshot.configuration == frozenset({"waiting"}):
            self.races -= 1
            self.save(instance_id, record.snapshot, status=record.status,
                      expected_version=record.row_version, time=record.updated,
                      changes=NO_CHANGES)  # fmt: skip
        return record


@pytest.mark.parametrize(("races", "delivered"), [(1, True), (2, True), (3, True), (4, False)])
def test_a_task_outcome_that_meets_a_concurrent_change_is_delivered_again(
    races: int, delivered: bool
) -> None:
    """The in-process engine delivers a task's outcome on the instance as loaded. The first
    race is at the load that performs the call; each further one makes a delivery lose: it is
    reloaded and tried again, three tries in all, then reported."""
    store = _Racing()
    chart = load_text(TASKED, "tasked.yaml")
    engine = Engine(
        store=store, charts=[chart], tasks={"check": lambda _i, **_k: {"outcome": "ok"}}
    )
    store.races = races
    if delivered:
        assert engine.start(chart, {}).leaf_states == ("checked",)
    else:  # the third loss is reported; the step that asked stays committed
        with pytest.raises(EffectFailed) as failed:
            engine.start(chart, {})
        assert failed.value.instance.leaf_states == ("waiting",)
        assert any(isinstance(e, ConcurrentUpdate) for e in failed.value.errors)
    assert store.races == 0
