"""``statewise purge``: delete done outbox items older than an age (the worker does it too).

``statewise purge --db URL [--older-than 30d] [--json]``: items performed and older than the
age are deleted, a batch at a time (one transaction each), oldest first; pending, failed and
dead items are never touched. The age counts from when the item was created (its step was
committed), on the database's clock. See docs/operations.md.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from engine.cli.common import EXIT_OK
from engine.cli.tools import add_db, age, opened, print_json, run_command

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "purge",
        help="delete done outbox items older than an age (30d)",
        description="Delete outbox items that were performed (status done) and are older than "
        "--older-than, in batches. Pending, failed and dead items are kept. Workers do this "
        "on their own every few minutes (statewise worker --purge-after).",
    )
    add_db(p)
    p.add_argument(
        "--older-than",
        type=age,
        default=timedelta(days=30),
        metavar="AGE",
        help="how old a done item must be: 90s, 15m, 12h, 30d, 2w (30d)",
    )
    p.add_argument("--json", action="store_true", help="JSON for tools")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("purge", args, _run)


def _run(args: argparse.Namespace) -> int:
    from engine.cli.progress import Progress
    from engine.ops.retention import purge_outbox

    progress = Progress("done outbox item(s) deleted")
    with opened(args) as store:
        try:
            swept = purge_outbox(store, args.older_than, progress=progress)
        finally:
            progress.close()
    days = args.older_than.total_seconds() / 86400
    if args.json:
        print_json({"purged": swept.count, "older_than_days": days})
    else:
        print(f"{swept.count} done outbox item(s) older than {_shown(args.older_than)} deleted")
    return EXIT_OK


def _shown(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
