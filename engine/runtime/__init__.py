"""The statechart runtime: pure SCXML run-to-completion semantics, effects out.

See docs/runtime-contract.md (the interface the service layer uses) and
docs/semantics.md (the semantics and every deviation from SCXML).
"""

from engine.runtime.blockers import Blocker as Blocker
from engine.runtime.blockers import Candidate as Candidate
from engine.runtime.blockers import Explanation as Explanation
from engine.runtime.blockers import ManualAction as ManualAction
from engine.runtime.calendar import due_time as due_time
from engine.runtime.calendar import open_days_deadline as open_days_deadline
from engine.runtime.clock import Clock as Clock
from engine.runtime.clock import ManualClock as ManualClock
from engine.runtime.clock import SystemClock as SystemClock
from engine.runtime.effects import CancelTimer as CancelTimer
from engine.runtime.effects import ChildSpec as ChildSpec
from engine.runtime.effects import Effect as Effect
from engine.runtime.effects import EventForInstance as EventForInstance
from engine.runtime.effects import LogEntry as LogEntry
from engine.runtime.effects import NotifyRequested as NotifyRequested
from engine.runtime.effects import ScheduleTimer as ScheduleTimer
from engine.runtime.effects import SpawnRequested as SpawnRequested
from engine.runtime.effects import StartRequested as StartRequested
from engine.runtime.effects import TaskRequested as TaskRequested
from engine.runtime.errors import ActionFailed as ActionFailed
from engine.runtime.errors import ContextError as ContextError
from engine.runtime.errors import EventRefused as EventRefused
from engine.runtime.errors import MicrostepLimitExceeded as MicrostepLimitExceeded
from engine.runtime.errors import RuleBroken as RuleBroken
from engine.runtime.errors import RuntimeFailure as RuntimeFailure
from engine.runtime.errors import StepTimeExceeded as StepTimeExceeded
from engine.runtime.interpreter import Interpreter as Interpreter
from engine.runtime.steps import MacroStep as MacroStep
from engine.runtime.steps import MicroStep as MicroStep
from engine.runtime.values import Event as Event
from engine.runtime.values import InstanceInfo as InstanceInfo
from engine.runtime.values import PendingTimer as PendingTimer
from engine.runtime.values import Snapshot as Snapshot

__all__ = [
    "ActionFailed",
    "Blocker",
    "CancelTimer",
    "Candidate",
    "ChildSpec",
    "Clock",
    "ContextError",
    "Effect",
    "Event",
    "EventForInstance",
    "EventRefused",
    "Explanation",
    "InstanceInfo",
    "Interpreter",
    "LogEntry",
    "MacroStep",
    "ManualAction",
    "ManualClock",
    "MicroStep",
    "MicrostepLimitExceeded",
    "NotifyRequested",
    "PendingTimer",
    "RuleBroken",
    "RuntimeFailure",
    "ScheduleTimer",
    "Snapshot",
    "SpawnRequested",
    "StartRequested",
    "StepTimeExceeded",
    "SystemClock",
    "TaskRequested",
    "due_time",
    "open_days_deadline",
]
