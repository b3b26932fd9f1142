"""The SQL store: :class:`SqlStore` on SQLite or PostgreSQL (SQLAlchemy, Alembic).

The only package that imports SQLAlchemy; see docs/storage.md.
"""

from engine.store.sql.console import OutboxEntry as OutboxEntry
from engine.store.sql.console import StateCount as StateCount
from engine.store.sql.errors import ChartVersionConflict as ChartVersionConflict
from engine.store.sql.errors import DatabaseError as DatabaseError
from engine.store.sql.errors import SchemaNotCurrent as SchemaNotCurrent
from engine.store.sql.queues import InstancePage as InstancePage
from engine.store.sql.queues import InstanceSummary as InstanceSummary
from engine.store.sql.retention import ArchivedSummary as ArchivedSummary
from engine.store.sql.retention import ArchivePage as ArchivePage
from engine.store.sql.store import SqlStore as SqlStore
from engine.store.sql.web import IdempotencyRow as IdempotencyRow
from engine.store.sql.web import TokenRow as TokenRow
from engine.store.sql.web import UserRow as UserRow
from engine.store.sql.web import WebStore as WebStore

__all__ = [
    "ArchivePage",
    "ArchivedSummary",
    "ChartVersionConflict",
    "DatabaseError",
    "IdempotencyRow",
    "InstancePage",
    "InstanceSummary",
    "OutboxEntry",
    "SchemaNotCurrent",
    "SqlStore",
    "StateCount",
    "TokenRow",
    "UserRow",
    "WebStore",
]
