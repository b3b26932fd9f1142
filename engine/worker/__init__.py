"""The worker process: fires due timers and delivers the outbox (``statewise worker``).

See docs/operations.md. :class:`Worker` runs the loop; :mod:`.setup` builds what it needs
(the store, the charts, the application's handlers and transports).

Exports are loaded on first use: the operator commands import this package's CLI helpers
while ``statewise --help`` builds its parser, and that must not load the engine.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.worker.loop import Stats as Stats
    from engine.worker.loop import Worker as Worker
    from engine.worker.loop import WorkerSettings as WorkerSettings
    from engine.worker.setup import App as App
    from engine.worker.setup import SetupError as SetupError
    from engine.worker.setup import load_app as load_app
    from engine.worker.setup import load_definitions as load_definitions

__all__ = ["App", "SetupError", "Stats", "Worker", "WorkerSettings", "load_app", "load_definitions"]

_WHERE = {
    "Stats": "engine.worker.loop",
    "Worker": "engine.worker.loop",
    "WorkerSettings": "engine.worker.loop",
    "App": "engine.worker.setup",
    "SetupError": "engine.worker.setup",
    "load_app": "engine.worker.setup",
    "load_definitions": "engine.worker.setup",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'engine.worker' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
