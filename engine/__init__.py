"""statewise: declarative workflows as YAML state charts, checked and run.

The curated public API. Names are imported on first use, so ``import engine`` (and
``statewise --help``) stays cheap: the expression parser, jinja2 and the loader's
libraries load only when a chart is loaded or an engine is built.

>>> import engine
>>> engine.ManualClock.__name__
'ManualClock'
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.errors import DefinitionError as DefinitionError
    from engine.errors import Diagnostic as Diagnostic
    from engine.errors import StatewiseError as StatewiseError
    from engine.limits import LimitExceeded as LimitExceeded
    from engine.limits import Limits as Limits
    from engine.loader import load_chart as load_chart
    from engine.loader import load_text as load_text
    from engine.model import Chart as Chart
    from engine.notify.messages import Message as Message
    from engine.notify.transports import LogTransport as LogTransport
    from engine.notify.transports import MemoryTransport as MemoryTransport
    from engine.notify.transports import Transport as Transport
    from engine.runtime import ActionFailed as ActionFailed
    from engine.runtime import Blocker as Blocker
    from engine.runtime import Clock as Clock
    from engine.runtime import ContextError as ContextError
    from engine.runtime import Event as Event
    from engine.runtime import EventRefused as EventRefused
    from engine.runtime import Explanation as Explanation
    from engine.runtime import InstanceInfo as InstanceInfo
    from engine.runtime import ManualAction as ManualAction
    from engine.runtime import ManualClock as ManualClock
    from engine.runtime import MicrostepLimitExceeded as MicrostepLimitExceeded
    from engine.runtime import StepTimeExceeded as StepTimeExceeded
    from engine.runtime import SystemClock as SystemClock
    from engine.service import ConfigurationError as ConfigurationError
    from engine.service import EffectFailed as EffectFailed
    from engine.service import Engine as Engine
    from engine.service import Instance as Instance
    from engine.store import AuditRecord as AuditRecord
    from engine.store import ConcurrentUpdate as ConcurrentUpdate
    from engine.store import DuplicateKey as DuplicateKey
    from engine.store import InstanceNotFound as InstanceNotFound
    from engine.store import InstanceStore as InstanceStore
    from engine.store import MemoryStore as MemoryStore

#: public name -> the module that defines it
_WHERE = {
    "ActionFailed": "engine.runtime",
    "AuditRecord": "engine.store",
    "Blocker": "engine.runtime",
    "Chart": "engine.model",
    "Clock": "engine.runtime",
    "ConcurrentUpdate": "engine.store",
    "ConfigurationError": "engine.service",
    "ContextError": "engine.runtime",
    "DefinitionError": "engine.errors",
    "Diagnostic": "engine.errors",
    "DuplicateKey": "engine.store",
    "EffectFailed": "engine.service",
    "Engine": "engine.service",
    "Event": "engine.runtime",
    "EventRefused": "engine.runtime",
    "Explanation": "engine.runtime",
    "Instance": "engine.service",
    "InstanceInfo": "engine.runtime",
    "InstanceNotFound": "engine.store",
    "InstanceStore": "engine.store",
    "LimitExceeded": "engine.limits",
    "Limits": "engine.limits",
    "LogTransport": "engine.notify.transports",
    "ManualAction": "engine.runtime",
    "ManualClock": "engine.runtime",
    "MemoryStore": "engine.store",
    "MemoryTransport": "engine.notify.transports",
    "Message": "engine.notify.messages",
    "MicrostepLimitExceeded": "engine.runtime",
    "SqlStore": "engine.store",
    "StatewiseError": "engine.errors",
    "StepTimeExceeded": "engine.runtime",
    "SystemClock": "engine.runtime",
    "Transport": "engine.notify.transports",
    "load_chart": "engine.loader",
    "load_text": "engine.loader",
}

__all__ = [
    "ActionFailed",
    "AuditRecord",
    "Blocker",
    "Chart",
    "Clock",
    "ConcurrentUpdate",
    "ConfigurationError",
    "ContextError",
    "DefinitionError",
    "Diagnostic",
    "DuplicateKey",
    "EffectFailed",
    "Engine",
    "Event",
    "EventRefused",
    "Explanation",
    "Instance",
    "InstanceInfo",
    "InstanceNotFound",
    "InstanceStore",
    "LimitExceeded",
    "Limits",
    "LogTransport",
    "ManualAction",
    "ManualClock",
    "MemoryStore",
    "MemoryTransport",
    "Message",
    "MicrostepLimitExceeded",
    "StatewiseError",
    "StepTimeExceeded",
    "SystemClock",
    "Transport",
    "load_chart",
    "load_text",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("statewise")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            return "0+unknown"
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(import_module(where), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
