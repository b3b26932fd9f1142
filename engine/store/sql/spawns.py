"""Spawns whose children have all finished but whose parent was never told.

A parent hears ``done.spawn.<id>`` as work that follows the commit of its last child's final
step. A process that dies between that commit and the delivery (SIGKILL, a power cut, the
database going away) leaves the parent waiting for ever. :meth:`Spawns.unannounced_spawns`
finds such spawns so the worker's housekeeping can deliver what was lost
(:mod:`engine.ops.spawns`): every child of the spawn is done, the last finished before a
given time, the parent is still active, and its audit trail has no ``done.spawn.<id>`` after
the step that asked for the spawn.

A spawn is identified by its tag, ``<spawn id>@<seq of the parent's step that asked for
it>``; the children of one spawn share it (``statewise_instances.spawn``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from engine.store.sql.driver import Driver

__all__ = ["SpawnGroup", "Spawns", "unannounced_sql"]


class SpawnGroup(NamedTuple):
    """One spawn whose children have all finished."""

    parent: str
    #: ``<spawn id>@<seq of the parent's step that asked for it>``
    tag: str
    children: int

    @property
    def spawn_id(self) -> str:
        return self.tag.rsplit("@", 1)[0]


def unannounced_sql(pg: bool) -> str:
    """The statement of :meth:`Spawns.unannounced_spawns` in one dialect."""
    # the tag's parts, in each dialect (a spawn id has no '@'; the seq follows the last one)
    if pg:
        spawn_id = "split_part(g.tag, '@', 1)"
        seq = "split_part(g.tag, '@', 2)::integer"
        mark = "%s"
    else:
        spawn_id = "substr(g.tag, 1, instr(g.tag, '@') - 1)"
        seq = "CAST(substr(g.tag, instr(g.tag, '@') + 1) AS INTEGER)"
        mark = "?"
    return (
        "SELECT g.parent, g.tag, g.children FROM ("
        " SELECT c.parent AS parent, c.spawn AS tag, count(*) AS children"
        " FROM statewise_instances c WHERE c.spawn IS NOT NULL"
        " GROUP BY c.parent, c.spawn"
        " HAVING sum(CASE WHEN c.status = 'done' THEN 0 ELSE 1 END) = 0"
        f" AND max(c.updated) < {mark}"
        ") g"
        " WHERE EXISTS (SELECT 1 FROM statewise_instances p WHERE p.id = g.parent"
        " AND p.status <> 'done')"
        " AND NOT EXISTS (SELECT 1 FROM statewise_audit a WHERE a.instance_id = g.parent"
        f" AND a.event = 'done.spawn.' || {spawn_id} AND a.seq > {seq})"
        f" AND (g.parent > {mark} OR (g.parent = {mark} AND g.tag > {mark}))"
        f" ORDER BY g.parent, g.tag LIMIT {mark}"
    )


_ANNOUNCED = "SELECT 1 FROM statewise_audit WHERE instance_id = ? AND event = ? AND seq > ?"


class Spawns:
    """Finding spawns nobody announced (see the module's text)."""

    _db: Driver
    _time: Callable[[datetime], Any]
    _spawns_sql: str | None = None

    def spawn_announced(self, group: SpawnGroup) -> bool:
        """True when the parent's audit trail has ``done.spawn.<id>`` since it asked for the
        spawn (read after loading the parent: a save that added it is seen, or the parent's
        row version has moved on too)."""
        seq = int(group.tag.rsplit("@", 1)[1])
        sql = _ANNOUNCED.replace("?", "%s") if self._db.name == "postgresql" else _ANNOUNCED
        return self._db.one(sql, (group.parent, f"done.spawn.{group.spawn_id}", seq)) is not None

    def unannounced_spawns(
        self, before: datetime, after: tuple[str, str] = ("", ""), limit: int = 200
    ) -> list[SpawnGroup]:
        """Up to ``limit`` spawns, in (parent, tag) order after ``after``, whose children
        have all finished (the last before ``before``) while the parent, still active, has
        no ``done.spawn`` line since it asked for them."""
        sql = self._spawns_sql
        if sql is None:
            sql = self._spawns_sql = unannounced_sql(self._db.name == "postgresql")
        parent, tag = after
        rows = self._db.all(sql, (self._time(before), parent, parent, tag, limit))
        return [SpawnGroup(p, t, int(n)) for p, t, n in rows]
