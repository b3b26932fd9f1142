"""Errors of the SQL store (all are :class:`~engine.store.ports.StoreError`)."""

from __future__ import annotations

from engine.store.ports import ChartVersionConflict as ChartVersionConflict
from engine.store.ports import StoreError

__all__ = ["ChartVersionConflict", "DatabaseError", "SchemaNotCurrent"]


class DatabaseError(StoreError):
    """The database failed (unreachable, a constraint, a lock timeout); nothing was saved.

    ``__cause__`` is the driver's exception.
    """


class SchemaNotCurrent(StoreError):
    """The database has no statewise tables, or an older (or newer) revision of them."""

    def __init__(self, url: str, found: str | None, wanted: str) -> None:
        self.url, self.found, self.wanted = url, found, wanted
        where = "has no statewise tables" if found is None else f"is at schema revision {found}"
        super().__init__(
            f"database {url} {where}; this statewise needs revision {wanted}. "
            f"Run: statewise db upgrade --db '{url}' "
            "(or open it with SqlStore(url, create=True) in tests and embedded use)"
        )
