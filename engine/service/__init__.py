"""The service layer: the :class:`Engine` facade over the runtime, a store and transports."""

from engine.service.core import StepListener as StepListener
from engine.service.effects import EffectFailed as EffectFailed
from engine.service.facade import Engine as Engine
from engine.service.instance import Instance as Instance
from engine.service.registry import ConfigurationError as ConfigurationError
from engine.service.registry import TaskHandler as TaskHandler

__all__ = [
    "ConfigurationError",
    "EffectFailed",
    "Engine",
    "Instance",
    "StepListener",
    "TaskHandler",
]
