"""``statewise instances``: the queues of a chart. Count instances by state, list them by
state or state tag with the time each has spent there (paginated), find one by its key."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from engine.cli.common import EXIT_OK, int_in
from engine.cli.tools import (
    CommandError,
    add_db,
    add_definitions,
    charts_for,
    duration,
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
        "instances",
        help="count and list a chart's instances by state (queues), find one by key",
        description="List the instances of CHART, longest waiting first when a state is "
        "given, with the time each has spent in its state. --state takes a state of the "
        "chart (its descendants count too) or a leaf-state string as listed; --tag a state "
        "tag (needs --definitions). Pages: pass the printed cursor to --after.",
    )
    p.add_argument("chart", metavar="CHART", help="the chart id")
    add_db(p)
    add_definitions(p)
    p.add_argument("--state", metavar="S", help="only instances in this state")
    p.add_argument("--tag", metavar="T", help="only instances in a state tagged T")
    p.add_argument("--spawn", metavar="TAG", help="only the children of one spawn")
    p.add_argument("--status", choices=["active", "done"], help="only active or done ones")
    p.add_argument("--key", metavar="K", help="the instance with this business key")
    p.add_argument(
        "--limit", type=int_in(1, 10_000), default=50, metavar="N", help="rows per page (50)"
    )
    p.add_argument("--after", metavar="CURSOR", help="the page after this cursor")
    p.add_argument("--count", action="store_true", help="how many instances per state")
    p.add_argument("--json", action="store_true", help="JSON for tools")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("instances", args, _run)


def _run(args: argparse.Namespace) -> int:
    from engine.ops.select import Selection

    charts = charts_for(args, required=args.tag is not None)
    with opened(args) as store:
        if not store.chart_versions(args.chart) and all(c.id != args.chart for c in charts):
            raise CommandError(
                f"no chart {args.chart!r}: this database has never run it"
                + ("" if charts else " (pass --definitions DIR to list charts not run yet)")
            )
        if args.key is not None:
            return _by_key(args, store)
        selection = Selection(
            store,
            args.chart,
            charts,
            state=args.state,
            tag=args.tag,
            spawn=args.spawn,
            status=args.status,
        )
        if args.count:
            counts = store.count_by_state(args.chart, status=args.status)
            if selection.states is not None:
                counts = {s: n for s, n in counts.items() if s in selection.states}
            if args.json:
                print_json({"chart": args.chart, "states": counts, "total": sum(counts.values())})
            else:
                print_table(
                    ["STATE", "COUNT"], [*counts.items(), ("(total)", sum(counts.values()))]
                )
            return EXIT_OK
        page = selection.page(args.after, args.limit)
    if args.json:
        print_json({"items": [s._asdict() for s in page.items], "next": page.next})
        return EXIT_OK
    if not page.items:
        print(f"no instances of {args.chart} found")
        return EXIT_OK
    print_table(
        ["ID", "KEY", "STATE", "IN STATE", "STATUS", "VERSION", "UPDATED"],
        [
            (
                s.id,
                s.key or "",
                s.state,
                duration(s.time_in_state),
                s.status,
                s.version,
                s.updated.strftime("%Y-%m-%d %H:%M"),
            )
            for s in page.items
        ],
    )
    if page.next is not None:
        print(f"more: --after {page.next}")
    return EXIT_OK


def _by_key(args: argparse.Namespace, store: SqlStore) -> int:
    from engine.ops.instances import details, find_instance

    data = details(find_instance(store, chart=args.chart, key=args.key))
    if args.json:
        print_json(data)
    else:
        print_table(["FIELD", "VALUE"], [(k, v) for k, v in data.items()])
    return EXIT_OK
