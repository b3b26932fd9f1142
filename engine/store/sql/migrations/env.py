"""Alembic's environment for the statewise tables.

Run through :mod:`engine.store.sql.schema` (``statewise db upgrade``), which hands over a
connection of the store's own engine (so SQLite gets its pragmas) in
``config.attributes["connection"]``. The version table is ``statewise_alembic_version``, so
an application that uses Alembic for its own tables in the same database is not disturbed.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine
from sqlalchemy.pool import NullPool

from engine.store.sql.tables import metadata

VERSION_TABLE = "statewise_alembic_version"


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    config = context.config
    if context.is_offline_mode():  # `alembic upgrade --sql`: print the DDL
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            version_table=VERSION_TABLE,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    given: Connection | None = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("no database: set sqlalchemy.url or pass a connection")
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


run_migrations()
