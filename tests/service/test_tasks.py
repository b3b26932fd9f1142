"""Tasks: handlers run after the step is committed; outcomes come back as events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from engine import ConfigurationError, Engine, InstanceInfo, ManualClock, MemoryStore


class Gateway:
    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[dict[str, Any], str, str]] = []

    def __call__(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any] | None:
        self.calls.append((dict(input), idempotency_key, instance.id))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[no-any-return]


def _engine(charts: dict, clock: ManualClock, gateway: Gateway) -> Engine:
    return Engine(MemoryStore(), clock, tasks={"authorize": gateway}, charts=[charts["tasks"]])


def test_a_task_result_is_sent_back_as_done_invoke(charts: dict, clock: ManualClock) -> None:
    gateway = Gateway({"outcome": "ok"})
    engine = _engine(charts, clock, gateway)
    inst = engine.start("test.tasks", {"amount": "12.50"})
    assert inst.leaf_states == ("paid",) and inst.context["outcome"] == "ok"
    ((given, key, iid),) = gateway.calls
    assert str(given["amount"]) == "12.50" and iid == inst.id
    assert key.startswith(f"{inst.id}:1:")  # instance id, step seq, effect index
    events = [r.event for r in engine.history(inst.id)]
    assert events == [None, "done.invoke.authorize"]


def test_a_raising_handler_becomes_error_invoke(charts: dict, clock: ManualClock) -> None:
    engine = _engine(charts, clock, Gateway(RuntimeError("gateway down")))
    inst = engine.start("test.tasks", {"amount": 5})
    assert inst.leaf_states == ("failed",)
    assert inst.context["error"] == "gateway down"


def test_none_means_the_outcome_comes_later(charts: dict, clock: ManualClock) -> None:
    gateway = Gateway(None, {"outcome": "ok"})
    engine = _engine(charts, clock, gateway)
    inst = engine.start("test.tasks", {"amount": 5})
    assert inst.leaf_states == ("authorizing",)
    later = engine.send(inst.id, "done.invoke.authorize", {"outcome": "processing"})
    assert later.leaf_states == ("waiting",)
    again = engine.send(inst.id, "retry")  # re-entering invokes the task again: answers ok
    assert again.leaf_states == ("paid",)
    assert len(gateway.calls) == 2 and gateway.calls[0][1] != gateway.calls[1][1]


def test_a_missing_handler_is_an_error_at_registration(charts: dict) -> None:
    with pytest.raises(ConfigurationError, match="no handler for task"):
        Engine(charts=[charts["tasks"]])
    engine = Engine()
    with pytest.raises(ConfigurationError, match="authorize"):
        engine.start(charts["tasks"], {"amount": 5})


def test_a_missing_transport_is_an_error_at_registration(charts: dict) -> None:
    with pytest.raises(ConfigurationError, match="no transport for channel"):
        Engine(charts=[charts["order"]])
