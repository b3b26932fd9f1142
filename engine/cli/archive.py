"""``statewise archive``: finished instances moved out of the live tables, listed, exported.

* ``statewise archive --db URL [--chart C] [--key K] [--limit N] [--after CURSOR]``: the
  archived instances, in archiving order (``ID`` instead: one archived instance).
* ``statewise archive --run --older-than 90d``: archive every instance that finished more
  than that long ago (its row and audit trail become one document in ``statewise_archive``;
  ``statewise history ID`` still reads it). Workers do it too with ``--archive-after``.
* ``statewise archive --export FILE.jsonl [--older-than AGE] [--chart C] [--delete]``: write
  archived instances to a new JSON Lines file (one document per line); ``--delete`` removes
  them from the database once written.

See docs/operations.md ("Data that does not grow forever").
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, int_in
from engine.cli.tools import (
    CommandError,
    add_db,
    age,
    opened,
    print_json,
    print_table,
    run_command,
)

if TYPE_CHECKING:
    from engine.store.sql import SqlStore

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "archive",
        help="archive finished instances; list, show and export the archive",
        description="Without --run or --export: list archived instances (or show instance ID). "
        "--run --older-than AGE archives instances that finished more than AGE ago (with "
        "their audit trail; children before parents; not while outbox items are still to "
        "be performed). --export FILE writes archived instances to a new JSON Lines file.",
    )
    p.add_argument("id", nargs="?", metavar="ID", help="show this archived instance")
    add_db(p)
    what = p.add_mutually_exclusive_group()
    what.add_argument("--run", action="store_true", help="archive finished instances now")
    what.add_argument(
        "--export", metavar="FILE", help="write archived instances to FILE (JSON Lines)"
    )
    p.add_argument("--older-than", type=age, metavar="AGE", help="90s, 15m, 12h, 30d, 2w")
    p.add_argument("--delete", action="store_true", help="with --export: remove what was written")
    p.add_argument("--chart", metavar="C", help="only this chart")
    p.add_argument("--key", metavar="K", help="only the instance(s) with this business key")
    p.add_argument(
        "--limit", type=int_in(1, 1000), default=50, metavar="N", help="lines listed (50)"
    )
    p.add_argument("--after", metavar="CURSOR", help="the next page of a listing")
    p.add_argument("--json", action="store_true", help="JSON for tools")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("archive", args, _run)


def _run(args: argparse.Namespace) -> int:
    if args.run and args.older_than is None:
        raise CommandError("--run needs --older-than AGE (e.g. 90d)", EXIT_USAGE)
    if args.delete and not args.export:
        raise CommandError("--delete goes with --export FILE", EXIT_USAGE)
    if args.id and (args.run or args.export):
        raise CommandError("ID shows one archived instance; not with --run or --export", EXIT_USAGE)
    with opened(args) as store:
        if args.run:
            return _archive(args, store)
        if args.export:
            return _export(args, store)
        if args.id:
            return _show(args, store)
        return _list(args, store)


def _archive(args: argparse.Namespace, store: SqlStore) -> int:
    from engine.cli.progress import Progress
    from engine.ops.retention import archive_finished

    progress = Progress("instance(s) archived")
    try:
        swept = archive_finished(store, args.older_than, progress=progress)
    finally:
        progress.close()
    if args.json:
        print_json({"archived": swept.count})
    else:
        print(f"{swept.count} finished instance(s) archived")
    return EXIT_OK


def _export(args: argparse.Namespace, store: SqlStore) -> int:
    from engine.cli.progress import Progress
    from engine.ops.retention import export_archive

    progress = Progress("archived instance(s) written")
    try:
        n = export_archive(
            store,
            args.export,
            older_than=args.older_than,
            chart=args.chart,
            delete=args.delete,
            progress=progress,
        )
    finally:
        progress.close()
    if args.json:
        print_json({"exported": n, "file": args.export, "deleted": n if args.delete else 0})
    else:
        gone = ", removed from the database" if args.delete else ""
        print(f"{n} archived instance(s) written to {args.export}{gone}")
    return EXIT_OK


def _show(args: argparse.Namespace, store: SqlStore) -> int:
    found = store.archived(args.id)
    if found is None:
        raise CommandError(f"no archived instance with id {args.id!r}", EXIT_PROBLEMS)
    if args.json:
        print_json(found)
        return EXIT_OK
    print_table(
        ["ID", "CHART", "VERSION", "KEY", "STATE", "CREATED", "FINISHED", "STEPS"],
        [
            (
                found["id"],
                found["chart"],
                found["chart_version"],
                found["business_key"] or "",
                found["state"],
                found["created"][:19].replace("T", " "),
                found["state_since"][:19].replace("T", " "),
                len(found["audit"]),
            )
        ],
    )
    print(f"(statewise history {found['id']} lists its audit trail)")
    return EXIT_OK


def _list(args: argparse.Namespace, store: SqlStore) -> int:
    from engine.ops.retention import list_archive

    page = list_archive(
        store,
        chart=args.chart,
        key=args.key,
        after=args.after,
        limit=args.limit,
    )
    if args.json:
        print_json({"items": [i._asdict() for i in page.items], "next": page.next})
        return EXIT_OK
    print_table(
        ["ID", "CHART", "VERSION", "KEY", "STATE", "FINISHED", "ARCHIVED"],
        [
            (
                i.id,
                i.chart,
                i.version,
                i.key or "",
                i.state,
                i.finished.strftime("%Y-%m-%d %H:%M"),
                i.archived.strftime("%Y-%m-%d %H:%M"),
            )
            for i in page.items
        ],
    )
    if page.next:
        print(f"more: --after {page.next}")
    return EXIT_OK
