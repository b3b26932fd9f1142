"""Schema revisions: which one a database is at, and upgrading it (Alembic).

:data:`HEAD` names the revision this code needs; a test checks it is Alembic's head. Checking
a database reads the version table with one query and does not import Alembic; only
upgrading does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, inspect, text

from engine.store.sql.errors import DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "HEAD",
    "MIGRATIONS",
    "VERSION_TABLE",
    "alembic_config",
    "current",
    "database_revision",
    "differences",
    "upgrade",
    "upgrade_database",
]

#: the schema revision this version of statewise reads and writes
HEAD = "v0002_reference"
#: the Alembic migrations shipped inside the package
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "statewise_alembic_version"


def alembic_config(engine: Engine | None = None, url: str | None = None) -> Config:
    """An Alembic configuration for the shipped migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["engine"] = engine
    return config


def current(engine: Engine) -> str | None:
    """The revision the database is at; None when it has no statewise tables."""
    with engine.connect() as conn:  # an unreachable database raises here
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        row = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).first()
        return None if row is None else str(row[0])


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Create or upgrade the statewise tables; returns (revision before, revision after)."""
    from alembic import command

    before = current(engine)
    config = alembic_config(engine)
    # Alembic runs the transaction itself, so a migration may step out of it (PostgreSQL's
    # CREATE INDEX CONCURRENTLY cannot run inside one)
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.commit()
    return before, current(engine)


def differences(engine: Engine) -> list[Any]:
    """What differs between the database and :mod:`.tables` (Alembic's autogenerate)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from engine.store.sql.tables import metadata

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "version_table": VERSION_TABLE,
                "include_name": _ours,
            },
        )
        diff: list[Any] = compare_metadata(context, metadata)
    return diff


def _ours(name: str | None, type_: str, _parent: Any) -> bool:
    """Only statewise's tables (an application may keep its own beside them)."""
    return type_ != "table" or ((name or "").startswith("statewise_") and name != VERSION_TABLE)


# -- for the command line: URLs in, plain errors out ---------------------------------------


def _engine(url: str) -> Engine:
    from sqlalchemy.exc import ArgumentError

    from engine.store.sql.connect import make_engine

    try:
        return make_engine(url)
    except (ArgumentError, ImportError) as exc:
        raise ValueError(str(exc)) from exc


def _database_error(shown: str, exc: Exception) -> DatabaseError:
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return DatabaseError(f"{shown}: {lines[0] if lines else type(cause).__name__}")


def upgrade_database(url: str, revision: str = "head") -> tuple[str, str | None, str | None]:
    """Create or upgrade the tables at ``url``: (URL without password, before, after).

    ``ValueError`` for a URL or revision that makes no sense, :class:`DatabaseError` when
    the database cannot be reached or the migration fails.
    """
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    engine = _engine(url)
    shown = engine.url.render_as_string(hide_password=True)
    try:
        before, after = upgrade(engine, revision)
    except SQLAlchemyError as exc:
        raise _database_error(shown, exc) from exc
    except CommandError as exc:
        raise ValueError(f"{shown}: {exc}") from exc
    finally:
        engine.dispose()
    return shown, before, after


def database_revision(url: str) -> tuple[str, str | None]:
    """(URL without password, the revision the database at ``url`` is at)."""
    from sqlalchemy.exc import SQLAlchemyError

    engine = _engine(url)
    shown = engine.url.render_as_string(hide_password=True)
    try:
        return shown, current(engine)
    except SQLAlchemyError as exc:
        raise _database_error(shown, exc) from exc
    finally:
        engine.dispose()
