"""Starting an instance for an operator or an integration that holds no transports.

:func:`start_deferred` is ``Engine.start`` whose effects (e-mails, tasks) are left in the
outbox for a worker, as :func:`engine.service.ops.send_deferred` is for ``send``. The chart
may be named by id: the latest registered version, or, when the engine was given no file of
it, the latest version the store kept the files of.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.service.commit import EMPTY
from engine.service.ops import drain
from engine.service.registry import ConfigurationError, LoadedChart

if TYPE_CHECKING:
    from engine.model import Chart
    from engine.service import Engine, Instance

__all__ = ["resolve_chart", "start_deferred"]


def resolve_chart(engine: Engine, chart: Chart | str) -> LoadedChart:
    """The chart to start: a value (registered), or an id (its latest version)."""
    registry = engine._core.registry
    if not isinstance(chart, str):
        engine.register(chart)
        return registry.resolve(chart)
    try:
        return registry.latest(chart)
    except ConfigurationError:
        stored = engine.store.chart_versions(chart)
        if not stored:
            raise
        return registry.get(chart, stored[-1].version)


def start_deferred(
    engine: Engine,
    chart: Chart | str,
    context: Mapping[str, Any] | None = None,
    *,
    key: str | None = None,
) -> Instance:
    """Create an instance and commit its first step; its effects wait for a worker.
    Raises ``ContextError`` (a context that does not fit), ``DuplicateKey``,
    ``ConfigurationError`` (an unknown chart)."""
    loaded = resolve_chart(engine, chart)
    record = engine._core.create(loaded, context or EMPTY, key)
    drain(engine, perform=False)
    return engine.get(record.id)
