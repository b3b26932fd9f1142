"""Task handlers that answer what a scenario scripted, or leave the call waiting."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from engine.runtime import InstanceInfo
from engine.service.registry import TaskHandler
from engine.testing.expect import Observed, TaskCall
from engine.testing.scenario import TaskStep

__all__ = ["ScriptedTasks", "TaskError"]


class TaskError(Exception):
    pass


class ScriptedTasks:
    """Task handlers that answer what the scenario scripted, or leave the call pending."""

    def __init__(self, observed: Observed) -> None:
        self.observed = observed
        self.answers: dict[str, deque[TaskStep]] = {}
        self.pending: dict[str, deque[str]] = {}

    def handler(self, name: str) -> TaskHandler:
        def handle(
            input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
        ) -> Mapping[str, Any] | None:
            self.observed.calls.append(TaskCall(name, dict(input), instance.id))
            queued = self.answers.get(name)
            if not queued:
                self.pending.setdefault(name, deque()).append(instance.id)
                return None
            answer = queued.popleft()
            if answer.error is not None:
                raise TaskError(answer.error)
            return answer.result or {}

        return handle
