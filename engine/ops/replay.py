"""Replaying the stored instances of a chart through a candidate version
(``statewise replay``; the HTTP API calls the same function).

The instances are selected like the operator commands select them (``state``, ``status``),
then by creation time (``since``) and count (``limit``), in creation order. They are read
in batches with their audit trails (two queries per batch) and replayed in memory by
:class:`engine.replay.Replayer`; nothing is written. ``mapping`` is the state mapping
``statewise migrate --map`` takes, resolved against the states the chart's stored history
names, so a replay and a migration with the same mapping agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from engine.ops.errors import OpsError

if TYPE_CHECKING:
    from engine.expr import FunctionRegistry
    from engine.model import Chart
    from engine.replay import Report
    from engine.store.sql import SqlStore

__all__ = ["replay"]

#: how many instances are read and replayed at a time
BATCH = 100


def replay(
    store: SqlStore,
    candidate: Chart,
    *,
    chart: str | None = None,
    state: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
    mapping: Mapping[str, str] | None = None,
    functions: FunctionRegistry | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Replay the stored instances of ``chart`` (default: the candidate's id) through
    ``candidate``; ``progress(done, total)`` is called after each batch."""
    from engine.model.mapping import StateMap, UnknownReference
    from engine.ops.select import Selection
    from engine.replay import Replayer, Report

    if limit is not None and limit < 1:
        raise OpsError("--limit must be at least 1", "usage")
    if status not in (None, "active", "done"):
        raise OpsError(f"status {status!r}: expected active or done", "usage")
    chart_id = chart or candidate.id
    report = Report(candidate.id, candidate.version)
    ids = Selection(store, chart_id, [], state=state, status=status).ids(since=since, limit=limit)
    if not ids and not store.count_by_state(chart_id):
        report.warnings.append(f"the database has no instances of chart {chart_id!r}")
    try:
        states = StateMap(store.state_ids(chart_id) if mapping else (), candidate, mapping or {},
                          strict=False)  # fmt: skip
    except UnknownReference as exc:
        raise OpsError(str(exc), "usage") from None
    for ref in states.unused:
        report.warnings.append(
            f"--map {ref}={(mapping or {})[ref]}: no stored instance of {chart_id!r} "
            f"was ever in a state {ref!r}"
        )
    replayer = Replayer(candidate, states, functions=functions)
    for start in range(0, len(ids), BATCH):
        for record, trail in store.with_trails(ids[start : start + BATCH]):
            report.results.append(replayer.replay(record, trail))
        if progress is not None:
            progress(min(start + BATCH, len(ids)), len(ids))
    return report
