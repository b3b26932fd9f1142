"""``statewise migrate``: move running instances of a chart from one version to another.

``statewise migrate --db URL --chart C --from-version V1 --to NEW.yaml --map OLD=NEW ...
[--dry-run]``: the dry run reports what would move, what would be stranded (states without
a mapping, or mapped to states the new version lacks) and which timers would change; the
real run registers the new version and moves each instance in its own transaction,
audited. Semantics in :mod:`engine.ops.migration`.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from engine.cli.tools import (
    CommandError,
    add_db,
    add_definitions,
    charts_for,
    opened,
    print_json,
    print_table,
    run_command,
)

if TYPE_CHECKING:
    from engine.ops.migration import Move

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "migrate",
        help="move running instances to a new chart version (state mapping, dry run)",
        description="Move the instances of --chart on --from-version to the chart in --to, "
        "mapping states with --map OLD=NEW (states the new version still has map to "
        "themselves). --dry-run reports moves, stranded instances and timer changes without "
        "changing anything. Stop or restart the workers around a real run.",
    )
    add_db(p)
    add_definitions(p)
    p.add_argument("--chart", required=True, metavar="C", help="the chart id")
    p.add_argument("--from-version", required=True, type=int, metavar="V1", help="from version")
    p.add_argument("--to", required=True, metavar="NEW.yaml", help="the new version's file")
    p.add_argument(
        "--map", action="append", default=[], metavar="OLD=NEW", help="a state mapping (repeat)"
    )
    p.add_argument("--dry-run", action="store_true", help="report only; change nothing")
    p.add_argument("--actor", default="migration", metavar="A", help="audited as (migration)")
    p.add_argument("--json", action="store_true", help="JSON for tools")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("migrate", args, _run)


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from engine.cli.progress import Progress
    from engine.cli.render import load_chart_reporting
    from engine.ops.migration import Migration, migrate

    mapping: dict[str, str] = {}
    for item in args.map:
        old, sep, new = item.partition("=")
        if not sep or not old or not new:
            raise CommandError(f"--map {item!r}: expected OLD=NEW", EXIT_USAGE)
        mapping[old] = new
    if not Path(args.to).is_file():
        raise CommandError(f"no such file: {args.to}", EXIT_USAGE)
    target = load_chart_reporting(args.to)
    if target is None:
        return EXIT_PROBLEMS
    found = [c for c in charts_for(args) if c.id == args.chart and c.version == args.from_version]
    if not found:
        raise CommandError(
            f"--definitions has no chart {args.chart!r} version {args.from_version}", EXIT_USAGE
        )
    migration = Migration(found[0], target, mapping)
    progress = Progress("planned" if args.dry_run else "migrated")
    with opened(args) as store:
        try:
            moves = migrate(
                store,
                migration,
                dry_run=args.dry_run,
                actor=args.actor,
                now=datetime.now(UTC),
                progress=progress,
            )
        finally:
            progress.close()
    return _report(args, moves, target.version)


def _report(args: argparse.Namespace, moves: list[Move], version: int) -> int:
    stranded = [m for m in moves if m.problem is not None]
    moved = [m for m in moves if m.problem is None]
    verb = "would move" if args.dry_run else "moved"
    if args.json:
        print_json(
            {
                "dry_run": args.dry_run,
                "to_version": version,
                "moved" if not args.dry_run else "would_move": [
                    {
                        "id": m.id,
                        "key": m.key,
                        "from": m.from_states,
                        "to": m.to_states,
                        "timers": {"kept": m.kept, "cancelled": m.cancelled, "started": m.started},
                    }
                    for m in moved
                ],
                "stranded": [
                    {"id": m.id, "key": m.key, "from": m.from_states, "problem": m.problem}
                    for m in stranded
                ],
            }
        )
    else:
        if moves:
            print_table(
                ["ID", "KEY", "FROM", "TO", "TIMERS", "PROBLEM"],
                [
                    (
                        m.id,
                        m.key or "",
                        ",".join(m.from_states),
                        ",".join(m.to_states),
                        _timers(m),
                        m.problem or "",
                    )
                    for m in moves
                ],
            )
        print(f"{len(moved)} instance(s) {verb} to version {version}, {len(stranded)} stranded")
    return EXIT_OK if not stranded else EXIT_PROBLEMS


def _timers(m: Move) -> str:
    parts = [f"+{t}" for t in m.started] + [f"-{t}" for t in m.cancelled]
    return " ".join(parts) or "unchanged"
