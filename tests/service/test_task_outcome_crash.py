"""A crash between a task call and marking it done repeats the call; it never loses the outcome."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from engine import Engine, MemoryStore
from engine.loader import load_text

CHART = """
id: t.pay
version: 1
tasks:
  authorize: {result: {outcome: {type: enum, values: [ok, failed]}}}
states:
  paying:
    invoke:
      task: authorize
      on_done:
        - {target: paid, guard: "event.outcome == 'ok'"}
        - target: failed
  paid: {type: final}
  failed: {type: final}
"""


class Crash(Exception):
    """The process dies (not a StatewiseError: nothing catches it)."""


class _CrashOnce(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.crash = True

    def outbox_done(self, item_id: str) -> None:
        if self.crash:
            self.crash = False
            raise Crash(item_id)
        super().outbox_done(item_id)


def test_the_outcome_is_saved_before_the_call_counts_as_done() -> None:
    chart = load_text(CHART, "pay.yaml")
    calls: list[str] = []

    def authorize(
        data: Mapping[str, Any], *, idempotency_key: str, instance: Any
    ) -> Mapping[str, Any]:
        calls.append(idempotency_key)
        return {"outcome": "ok"}

    store = _CrashOnce()
    engine = Engine(store=store, tasks={"authorize": authorize}, charts=[chart])
    with pytest.raises(Crash):
        engine.start(chart, {}, key="A")
    instance = engine.find("t.pay", "A")
    assert instance is not None and instance.leaf_states == ("paid",)  # the outcome survived
    assert len(store.pending_outbox()) == 1  # the call itself is not marked done
    engine.retry_effects()  # after the restart: performed again, with the same key
    assert calls[0] == calls[1]
    assert store.pending_outbox() == ()
    assert engine.get(instance.id).leaf_states == ("paid",)
    events = [h.event for h in engine.history(instance.id)]
    assert events.count("done.invoke.authorize") == 1  # the repeat met an instance that moved on
