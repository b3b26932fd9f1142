"""The immutable chart model: states, transitions, actions, declarations."""

from engine.model.actions import (
    Action as Action,
)
from engine.model.actions import (
    Assign as Assign,
)
from engine.model.actions import (
    Cancel as Cancel,
)
from engine.model.actions import (
    If as If,
)
from engine.model.actions import (
    Log as Log,
)
from engine.model.actions import (
    Notify as Notify,
)
from engine.model.actions import (
    Raise as Raise,
)
from engine.model.actions import (
    Send as Send,
)
from engine.model.actions import (
    SendTarget as SendTarget,
)
from engine.model.actions import (
    Spawn as Spawn,
)
from engine.model.actions import (
    StartInstance as StartInstance,
)
from engine.model.actions import (
    StartTask as StartTask,
)
from engine.model.actions import (
    walk_actions as walk_actions,
)
from engine.model.chart import (
    Chart as Chart,
)
from engine.model.declarations import (
    Calendar as Calendar,
)
from engine.model.declarations import (
    EventDecl as EventDecl,
)
from engine.model.declarations import (
    EventSource as EventSource,
)
from engine.model.declarations import (
    Rule as Rule,
)
from engine.model.declarations import (
    TaskDecl as TaskDecl,
)
from engine.model.declarations import (
    TemplateDecl as TemplateDecl,
)
from engine.model.expression import (
    Expression as Expression,
)
from engine.model.policy import (
    NotificationPolicy as NotificationPolicy,
)
from engine.model.policy import (
    PolicyRule as PolicyRule,
)
from engine.model.states import (
    ROOT as ROOT,
)
from engine.model.states import (
    HistoryKind as HistoryKind,
)
from engine.model.states import (
    Invoke as Invoke,
)
from engine.model.states import (
    State as State,
)
from engine.model.states import (
    StateKind as StateKind,
)
from engine.model.states import (
    StateMeta as StateMeta,
)
from engine.model.transitions import (
    Manual as Manual,
)
from engine.model.transitions import (
    Timer as Timer,
)
from engine.model.transitions import (
    Transition as Transition,
)
from engine.model.transitions import (
    TransitionKind as TransitionKind,
)
from engine.model.transitions import (
    Trigger as Trigger,
)
from engine.model.transitions import (
    matches as matches,
)

__all__ = [
    "ROOT",
    "Action",
    "Assign",
    "Calendar",
    "Cancel",
    "Chart",
    "EventDecl",
    "EventSource",
    "Expression",
    "HistoryKind",
    "If",
    "Invoke",
    "Log",
    "Manual",
    "NotificationPolicy",
    "Notify",
    "PolicyRule",
    "Raise",
    "Rule",
    "Send",
    "SendTarget",
    "Spawn",
    "StartInstance",
    "StartTask",
    "State",
    "StateKind",
    "StateMeta",
    "TaskDecl",
    "TemplateDecl",
    "Timer",
    "Transition",
    "TransitionKind",
    "Trigger",
    "matches",
    "walk_actions",
]
