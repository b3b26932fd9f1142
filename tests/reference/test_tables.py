"""The migration v0002_reference creates exactly the tables engine/reference/tables.py declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.reference.tables import metadata
from engine.store.sql.connect import make_engine


def test_migrated_tables_match_their_definitions(any_url: str) -> None:
    engine = make_engine(any_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, kind, _parent: (
                        kind != "table" or (name or "").startswith("ref_")
                    ),
                },
            )
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_every_reference_table_is_named_ref() -> None:
    assert all(name.startswith("ref_") for name in metadata.tables)
