"""Persistence of instances: the :class:`InstanceStore` port and its adapters.

:class:`MemoryStore` keeps instances in dictionaries; :class:`SqlStore` (SQLite or
PostgreSQL, in :mod:`engine.store.sql`) is imported on first use, so SQLAlchemy loads only
when a SQL store is actually used.
"""

from typing import TYPE_CHECKING, Any

from engine.store.memory import MemoryStore as MemoryStore
from engine.store.ports import ConcurrentUpdate as ConcurrentUpdate
from engine.store.ports import DuplicateKey as DuplicateKey
from engine.store.ports import InstanceNotFound as InstanceNotFound
from engine.store.ports import InstanceStore as InstanceStore
from engine.store.ports import StoreError as StoreError
from engine.store.records import ACTIVE as ACTIVE
from engine.store.records import DONE as DONE
from engine.store.records import NO_CHANGES as NO_CHANGES
from engine.store.records import AuditKind as AuditKind
from engine.store.records import AuditRecord as AuditRecord
from engine.store.records import Changes as Changes
from engine.store.records import DueTimer as DueTimer
from engine.store.records import InstanceRecord as InstanceRecord
from engine.store.records import InstanceStatus as InstanceStatus
from engine.store.records import OutboxItem as OutboxItem
from engine.store.records import TimerChange as TimerChange

if TYPE_CHECKING:
    from engine.store.sql import SqlStore as SqlStore

__all__ = [
    "ACTIVE",
    "DONE",
    "NO_CHANGES",
    "AuditKind",
    "AuditRecord",
    "Changes",
    "ConcurrentUpdate",
    "DueTimer",
    "DuplicateKey",
    "InstanceNotFound",
    "InstanceRecord",
    "InstanceStatus",
    "InstanceStore",
    "MemoryStore",
    "OutboxItem",
    "SqlStore",
    "StoreError",
    "TimerChange",
]


def __getattr__(name: str) -> Any:
    if name == "SqlStore":  # imports SQLAlchemy: only when asked for
        from engine.store.sql import SqlStore

        globals()[name] = SqlStore
        return SqlStore
    raise AttributeError(f"module 'engine.store' has no attribute {name!r}")
