"""The reads the console and the HTTP API need beyond the worker's queue queries: the states
in use (without counting a million rows), each state's count and oldest entry, a capped
count for one queue, and one instance's outbox items (the messages it sent).

"States in use" is a skip scan over the ``(chart, state, ...)`` index: a recursive query
that jumps from one distinct state to the next (one index probe per state), so its cost
grows with the number of states, not of instances.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from engine.store.records import OutboxItem
from engine.store.sql.codec import decode_effect
from engine.store.sql.driver import Driver

__all__ = ["ConsoleQueries", "OutboxEntry", "StateCount"]


class StateCount(NamedTuple):
    """How many instances of a chart are in one leaf-state string, and since when the
    longest waiting one is there."""

    state: str
    instances: int
    oldest_since: datetime


class OutboxEntry(NamedTuple):
    """An outbox item with its delivery status: ``pending``, ``failed``, ``done``, ``dead``."""

    item: OutboxItem
    status: str
    created: datetime


_STATES = """
WITH RECURSIVE s(state) AS (
    SELECT MIN(state) FROM statewise_instances WHERE chart = ?
    UNION ALL
    SELECT (SELECT MIN(i.state) FROM statewise_instances i WHERE i.chart = ? AND i.state > s.state)
    FROM s WHERE s.state IS NOT NULL
)
SELECT state FROM s WHERE state IS NOT NULL
"""
_OVERVIEW = (
    "SELECT state, COUNT(*), MIN(state_since) FROM statewise_instances "
    "WHERE chart = ? GROUP BY state ORDER BY state"
)
_CAPPED = (
    "SELECT COUNT(*) FROM (SELECT 1 FROM statewise_instances "
    "WHERE chart = ? AND state = ? LIMIT ?) AS capped"
)
_OUTBOX_OF = (
    "SELECT id, instance_id, seq, position, kind, payload, attempts, last_error, status, created "
    "FROM statewise_outbox WHERE instance_id = ? ORDER BY seq, position"
)
_CONTEXTS = "SELECT id, context FROM statewise_instances WHERE id IN ({marks})"


class ConsoleQueries:
    """Mixed into :class:`~engine.store.sql.SqlStore`."""

    _db: Driver
    _read_time: Callable[[Any], datetime]

    def _q(self, sql: str) -> str:
        return sql.replace("?", "%s") if self._db.name == "postgresql" else sql

    def states_in_use(self, chart: str) -> list[str]:
        """The distinct leaf-state strings of ``chart``'s instances, sorted."""
        return [r[0] for r in self._db.all(self._q(_STATES), (chart, chart))]

    def state_overview(self, chart: str) -> list[StateCount]:
        """Per leaf-state string of ``chart``'s instances: count and oldest entry."""
        rows = self._db.all(self._q(_OVERVIEW), (chart,))
        read = self._read_time
        return [StateCount(s, int(n), read(oldest)) for s, n, oldest in rows]

    def count_in_state(self, chart: str, state: str, cap: int) -> int:
        """How many instances of ``chart`` are in ``state``, counting at most ``cap``."""
        row = self._db.one(self._q(_CAPPED), (chart, state, cap))
        return int(row[0]) if row is not None else 0

    def outbox_of(self, instance_id: str) -> list[OutboxEntry]:
        """Every outbox item of one instance, in the order its steps asked for them."""
        out = []
        for row in self._db.all(self._q(_OUTBOX_OF), (instance_id,)):
            item_id, iid, seq, position, kind, payload, attempts, error, status, created = row
            item = OutboxItem(
                item_id, iid, seq, position, decode_effect(kind, payload), attempts, error
            )
            out.append(OutboxEntry(item, status, self._read_time(created)))
        return out

    def contexts(self, instance_ids: Sequence[str]) -> dict[str, Any]:
        """The context of each instance (decoded), for the columns of a queue page."""
        from engine.store.sql.codec import loads

        if not instance_ids:
            return {}
        marks = ", ".join("?" * len(instance_ids))
        rows = self._db.all(self._q(_CONTEXTS.format(marks=marks)), tuple(instance_ids))
        return {iid: loads(text) for iid, text in rows}
