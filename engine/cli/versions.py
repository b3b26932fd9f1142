"""``statewise versions CHART --db URL``: a chart's versions, their instances, what changed."""

from __future__ import annotations

import argparse

from engine.cli.common import EXIT_OK
from engine.cli.tools import (
    CommandError,
    add_db,
    opened,
    print_json,
    print_table,
    run_command,
)

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "versions",
        help="a chart's versions with their instance counts and what changed",
        description="List the versions of CHART registered in the database, oldest first: "
        "when each was registered, its fingerprint (the hash of its meaning), how many "
        "instances run on it and how many finished on it, and what changed from the "
        "version before.",
    )
    p.add_argument("chart", metavar="CHART", help="the chart id")
    add_db(p)
    p.add_argument("--json", action="store_true", help="JSON for tools")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("versions", args, _run)


def _run(args: argparse.Namespace) -> int:
    from engine.ops.versions import version_table

    with opened(args) as store:
        rows = version_table(store, args.chart)
    if not rows:
        raise CommandError(f"chart {args.chart!r} has no registered version")
    if args.json:
        print_json(
            [
                {
                    "version": r.record.version,
                    "registered": r.record.created,
                    "fingerprint": r.record.fingerprint,
                    "active": r.record.active,
                    "done": r.record.done,
                    "files_kept": r.record.has_bundle,
                    "changes": list(r.changes),
                }
                for r in rows
            ]
        )
        return EXIT_OK
    print_table(
        ["VERSION", "REGISTERED", "FINGERPRINT", "ACTIVE", "DONE", "CHANGES"],
        [
            (
                r.record.version,
                r.record.created.strftime("%Y-%m-%d %H:%M"),
                (r.record.fingerprint or "(before meanings)")[:12],
                r.record.active,
                r.record.done,
                (r.changes[0] + (f" (+{len(r.changes) - 1})" if len(r.changes) > 1 else ""))
                if r.changes
                else "",
            )
            for r in rows
        ],
    )
    return EXIT_OK
