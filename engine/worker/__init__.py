"""The worker process: fires due timers and delivers the outbox (``statewise worker``).

See docs/operations.md. :class:`Worker` runs the loop; :mod:`.setup` builds what it needs
(the store, the charts, the application's handlers and transports).
"""

from engine.worker.loop import Stats as Stats
from engine.worker.loop import Worker as Worker
from engine.worker.loop import WorkerSettings as WorkerSettings
from engine.worker.setup import App as App
from engine.worker.setup import SetupError as SetupError
from engine.worker.setup import load_app as load_app
from engine.worker.setup import load_definitions as load_definitions

__all__ = ["App", "SetupError", "Stats", "Worker", "WorkerSettings", "load_app", "load_definitions"]
