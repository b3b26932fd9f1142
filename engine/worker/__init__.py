"""The worker process: fires due timers and delivers the outbox (``statewise worker``).

See docs/operations.md. :class:`Worker` runs the loop; :mod:`engine.ops.setup` builds what it
needs (the store, the charts, the application's handlers and transports).

Exports are loaded on first use, so importing the package costs nothing until a worker runs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.worker.loop import Stats as Stats
    from engine.worker.loop import Worker as Worker
    from engine.worker.loop import WorkerSettings as WorkerSettings

__all__ = ["Stats", "Worker", "WorkerSettings"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'engine.worker' has no attribute {name!r}")
    value = getattr(import_module("engine.worker.loop"), name)
    globals()[name] = value
    return value
