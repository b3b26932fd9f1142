"""Shared pieces of the operator commands (``worker``, ``outbox``, ``instances``, ``send``,
``history``, ``note``, ``force``, ``migrate``): options, opening the store, output. What the
commands *do* lives in the operations layer (:mod:`engine.ops`); these are the shell.

Output is a table for people and ``--json`` for tools; user mistakes are one line on
standard error and an exit code (docs/cli.md), never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from engine.cli.common import EXIT_PROBLEMS, EXIT_USAGE
from engine.flows import flow_path
from engine.ops.wording import duration

if TYPE_CHECKING:
    from engine.model import Chart
    from engine.store.sql import SqlStore

__all__ = [
    "CommandError",
    "add_db",
    "add_definitions",
    "add_instance",
    "age",
    "charts_for",
    "duration",
    "instance_of",
    "json_object",
    "opened",
    "print_json",
    "print_table",
    "run_command",
]


class CommandError(Exception):
    """A user-facing failure: printed as ``statewise CMD: message``, exit ``code``."""

    def __init__(self, message: str, code: int = EXIT_PROBLEMS) -> None:
        super().__init__(message)
        self.code = code


def json_object(text: str, option: str) -> dict[str, Any]:
    """The JSON object an option such as ``--data`` gives; a usage error otherwise (not
    JSON, not an object, or nested too deeply for the parser)."""
    import json

    try:
        value = json.loads(text)
    except ValueError as exc:
        raise CommandError(f"{option} is not JSON: {exc}", EXIT_USAGE) from exc
    except RecursionError:
        raise CommandError(
            f"{option} is nested too deeply; expected a flat JSON object", EXIT_USAGE
        ) from None
    if not isinstance(value, dict):
        raise CommandError(f"{option} must be a JSON object", EXIT_USAGE)
    return value


def add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        default=os.environ.get("STATEWISE_DB"),
        metavar="URL",
        help="the database (sqlite:///file.db or postgresql+psycopg://...; default: $STATEWISE_DB)",
    )


def add_definitions(p: argparse.ArgumentParser, *, required: bool = False) -> None:
    default = os.environ.get("STATEWISE_DEFINITIONS")
    p.add_argument(
        "--definitions",
        default=default,
        required=required and default is None,
        type=flow_path,
        metavar="DIR",
        help="the folder with the charts (older versions come from the files the database "
        "kept; builtin: for the shipped flows; default: $STATEWISE_DEFINITIONS)",
    )


def add_instance(p: argparse.ArgumentParser) -> None:
    """The instance: ``ID``, or ``--chart C --key K`` (its business key)."""
    p.add_argument("id", nargs="?", metavar="ID", help="the instance id (or --chart and --key)")
    p.add_argument("--chart", metavar="C", help="the chart of --key")
    p.add_argument("--key", metavar="K", help="the instance with this business key")


def instance_of(args: argparse.Namespace, store: Any) -> Any:
    """The record named by ``ID`` or ``--chart``/``--key`` (see :func:`add_instance`)."""
    from engine.ops.instances import find_instance

    return find_instance(store, args.id, chart=args.chart, key=args.key)


def run_command(name: str, args: argparse.Namespace, body: Any) -> int:
    """Run ``body(args)``, turning expected failures into a message and an exit code."""
    from engine.errors import StatewiseError
    from engine.ops.errors import OpsError

    try:
        code: int = body(args)
        return code
    except CommandError as exc:
        print(f"statewise {name}: {exc}", file=sys.stderr)
        return exc.code
    except OpsError as exc:
        print(f"statewise {name}: {exc}", file=sys.stderr)
        return EXIT_USAGE if exc.kind == "usage" else EXIT_PROBLEMS
    except StatewiseError as exc:
        print(f"statewise {name}: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS


@contextmanager
def opened(args: argparse.Namespace) -> Iterator[SqlStore]:
    """The store of ``--db``, closed afterwards."""
    from engine.ops.setup import open_store
    from engine.store.sql import DatabaseError

    if not args.db:
        raise CommandError("no database; pass --db URL or set STATEWISE_DB", EXIT_USAGE)
    try:
        store = open_store(args.db)
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from exc
    except DatabaseError as exc:
        raise CommandError(str(exc)) from exc
    try:
        yield store
    finally:
        store.close()


def charts_for(args: argparse.Namespace, *, required: bool = True) -> list[Chart]:
    """The charts of ``--definitions`` (an empty list when not given and not required)."""
    from engine.ops.setup import SetupError, load_definitions

    if not args.definitions:
        if required:
            raise CommandError(
                "no charts; pass --definitions DIR or set STATEWISE_DEFINITIONS", EXIT_USAGE
            )
        return []
    try:
        return load_definitions(args.definitions)
    except SetupError as exc:
        code = EXIT_USAGE if "no such folder" in str(exc) else EXIT_PROBLEMS
        raise CommandError(str(exc), code) from exc


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_MOST_AGE = 100 * 366 * 86400


def age(text: str) -> timedelta:
    """An age on the command line: a number and a unit, ``90s``, ``15m``, ``12h``, ``30d``,
    ``2w`` (an ``argparse`` type: a bad value is a usage error naming the forms)."""
    number, unit = text[:-1].strip(), text[-1:].lower()
    try:
        value = float(number)
    except ValueError:
        value = -1.0
    if unit not in _UNITS or not value >= 0 or value != value:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an age; write a number and a unit: 90s, 15m, 12h, 30d, 2w"
        )
    if value * _UNITS[unit] > _MOST_AGE:
        raise argparse.ArgumentTypeError(f"{text} is out of range; at most 100 years")
    return timedelta(seconds=value * _UNITS[unit])


def print_json(value: Any) -> None:
    from engine.jsonvalues import dumps

    print(dumps(value))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain text table, columns padded to their widest cell."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
