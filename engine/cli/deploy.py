"""``statewise deploy --db URL DIR``: register every changed chart as a new version.

A chart's version is its meaning (comments, key order, quoting, layout and wording for
people change nothing): a chart whose meaning the database does not have yet becomes a new
version, numbered for you, kept with its files; instances keep running on the version they
started with. See :mod:`engine.ops.versions`.
"""

from __future__ import annotations

import argparse

from engine.cli.common import EXIT_OK
from engine.cli.tools import add_db, opened, print_json, print_table, run_command

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "deploy",
        help="register every chart of a folder whose meaning changed as a new version",
        description="Register the charts of DIR in the database: each chart whose meaning "
        "the database does not have yet becomes a new version (numbered for you: the file's "
        "version when it is higher than every stored one, else one more than the highest), "
        "kept with its files. Running instances stay on their version. Comments, key order, "
        "quoting, layout and labels are no change of meaning.",
    )
    p.add_argument("folder", metavar="DIR", help="the folder with the charts")
    add_db(p)
    p.add_argument("--json", action="store_true", help="JSON for tools")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("deploy", args, _run)


def _run(args: argparse.Namespace) -> int:
    from engine.cli.common import EXIT_PROBLEMS, EXIT_USAGE
    from engine.cli.tools import CommandError
    from engine.ops.setup import SetupError, load_definitions
    from engine.ops.versions import deploy

    try:
        charts = load_definitions(args.folder)
    except SetupError as exc:
        code = EXIT_USAGE if "no such folder" in str(exc) else EXIT_PROBLEMS
        raise CommandError(str(exc), code) from exc
    if not charts:
        raise CommandError(f"no charts in {args.folder}", EXIT_USAGE)
    with opened(args) as store:
        done = deploy(store, charts)
    if args.json:
        print_json(
            [
                {
                    "chart": d.chart,
                    "file": d.file,
                    "version": d.version,
                    "status": d.status,
                    "previous": d.previous,
                    "changes": list(d.changes),
                }
                for d in done
            ]
        )
        return EXIT_OK
    rows = []
    for d in done:
        what = {"new": "new chart", "unchanged": "no change of meaning"}.get(d.status, "")
        if d.status == "changed":
            what = f"new version (after {d.previous}): " + (
                d.changes[0] + (f" (and {len(d.changes) - 1} more)" if len(d.changes) > 1 else "")
                if d.changes
                else "meaning changed"
            )
        rows.append((d.chart, d.version, d.status, what))
    print_table(["CHART", "VERSION", "STATUS", "WHAT"], rows)
    return EXIT_OK
