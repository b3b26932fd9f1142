"""A concurrent change makes the loser fail cleanly, or retry on the fresh instance when asked."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine, MemoryStore
from engine.loader import load_text
from engine.store.ports import ConcurrentUpdate

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
