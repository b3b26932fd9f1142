"""``statewise db``: create, upgrade and check the database of the SQL store.

``statewise db upgrade --db URL`` creates the statewise tables in a new database or upgrades
an older one (Alembic migrations shipped in the package); ``statewise db current --db URL``
says which revision a database is at and exits 1 unless it is the one this statewise needs.
``--db`` defaults to the ``STATEWISE_DB`` environment variable. SQLAlchemy and Alembic are
imported only when the command runs (by :mod:`engine.store.sql.schema`).
"""

from __future__ import annotations

import argparse
import os
import sys

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Parser

__all__ = ["add_parser", "run_current", "run_upgrade"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "db",
        help="create, upgrade or check the database of the SQL store",
        description="Manage the statewise tables in a SQL database (SQLite file or "
        "PostgreSQL). URLs look like sqlite:///path/to/statewise.db or "
        "postgresql+psycopg://user:password@host/dbname.",
    )
    p.set_defaults(handler=lambda _args: _usage(p))
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    up = actions.add_parser(
        "upgrade",
        help="create the tables, or upgrade them to this version's revision",
        description="Create the statewise tables in a new database, or upgrade an older one. "
        "Safe to run again: a database at the head revision is left as it is.",
    )
    _db_option(up)
    up.add_argument("--revision", default="head", help="the revision to upgrade to (default: head)")
    up.set_defaults(handler=run_upgrade)
    cur = actions.add_parser(
        "current",
        help="show the database's revision; exit 1 unless it is the one needed",
        description="Print the schema revision of the database and the one this statewise "
        "needs. Exit code 0 when they match, 1 otherwise (no tables, older or newer).",
    )
    _db_option(cur)
    cur.set_defaults(handler=run_current)


def _db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        default=os.environ.get("STATEWISE_DB"),
        metavar="URL",
        help="the database URL (default: $STATEWISE_DB)",
    )


def _usage(p: argparse.ArgumentParser) -> int:
    p.print_help(sys.stderr)
    return EXIT_USAGE


def _fail(message: object, code: int) -> int:
    print(f"statewise db: {message}", file=sys.stderr)
    return code


def run_upgrade(args: argparse.Namespace) -> int:
    if not args.db:
        return _fail("no database; pass --db URL or set STATEWISE_DB", EXIT_USAGE)
    from engine.store.sql import schema
    from engine.store.sql.errors import DatabaseError

    try:
        shown, before, after = schema.upgrade_database(args.db, args.revision)
    except ValueError as exc:
        return _fail(exc, EXIT_USAGE)
    except DatabaseError as exc:
        return _fail(exc, EXIT_PROBLEMS)
    if before == after:
        print(f"{shown}: already at revision {after}; nothing to do")
    elif before is None:
        print(f"{shown}: created the statewise tables (revision {after})")
    else:
        print(f"{shown}: upgraded from revision {before} to {after}")
    return EXIT_OK


def run_current(args: argparse.Namespace) -> int:
    if not args.db:
        return _fail("no database; pass --db URL or set STATEWISE_DB", EXIT_USAGE)
    from engine.store.sql import schema
    from engine.store.sql.errors import DatabaseError

    try:
        shown, found = schema.database_revision(args.db)
    except ValueError as exc:
        return _fail(exc, EXIT_USAGE)
    except DatabaseError as exc:
        return _fail(exc, EXIT_PROBLEMS)
    if found == schema.HEAD:
        print(f"{shown}: revision {found} (the one this statewise needs)")
        return EXIT_OK
    where = "no statewise tables" if found is None else f"revision {found}"
    print(
        f"{shown}: {where}; this statewise needs revision {schema.HEAD}. "
        f"Run: statewise db upgrade --db '{shown}'"
    )
    return EXIT_PROBLEMS
