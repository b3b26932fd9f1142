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
    """Task handlers that answer what the scenario scripted, or leave the call pending.

    Answers kept for later are per task, and per instance when the step named one: a call
    takes its instance's answer first, else the oldest answer for any instance."""

    def __init__(self, observed: Observed) -> None:
        self.observed = observed
        #: (task, instance id or None for any) -> answers kept for the next calls
        self.answers: dict[tuple[str, str | None], deque[TaskStep]] = {}
        #: task -> instance ids whose call waits, oldest first
        self.pending: dict[str, deque[str]] = {}

    def keep(self, step: TaskStep, instance_id: str | None) -> None:
        self.answers.setdefault((step.name, instance_id), deque()).append(step)

    def waiting(self, name: str, instance_id: str | None) -> str | None:
        """The instance whose call of ``name`` is answered now (removed from the waiting
        ones): ``instance_id``'s, or the oldest; None when none waits."""
        pending = self.pending.get(name)
        if not pending:
            return None
        if instance_id is None:
            return pending.popleft()
        if instance_id in pending:
            pending.remove(instance_id)
            return instance_id
        return None

    def handler(self, name: str) -> TaskHandler:
        def handle(
            input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
        ) -> Mapping[str, Any] | None:
            self.observed.calls.append(TaskCall(name, dict(input), instance.id))
            queued = self.answers.get((name, instance.id)) or self.answers.get((name, None))
            if not queued:
                self.pending.setdefault(name, deque()).append(instance.id)
                return None
            answer = queued.popleft()
            if answer.error is not None:
                raise TaskError(answer.error)
            return answer.result or {}

        return handle
