"""``statewise start CHART --key K --context JSON --db URL``: start an instance.

The first step is committed here; the e-mails and tasks it leads to stay in the outbox for
a worker (this command holds no transports). The chart is the latest version: from
``--definitions`` when given, else from the files the database kept (``statewise deploy``).
"""

from __future__ import annotations

import argparse
from typing import Any

from engine.cli.common import EXIT_OK
from engine.cli.tools import (
    CommandError,
    add_db,
    add_definitions,
    charts_for,
    json_object,
    opened,
    print_json,
    run_command,
)

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "start",
        help="start an instance of a chart (with a business key and a context)",
        description="Start an instance of the latest version of CHART (a chart id) with "
        "business key --key and the context --context (a JSON object; fields with defaults "
        "may be left out). Its effects are left to the worker. Exit 1 when the context does "
        "not fit the chart or the key is taken.",
    )
    p.add_argument("chart", metavar="CHART", help="the chart id")
    p.add_argument("--key", metavar="K", help="the business key (unique per chart)")
    p.add_argument("--context", metavar="JSON", default="{}", help="the context, a JSON object")
    add_db(p)
    add_definitions(p)
    p.add_argument("--json", action="store_true", help="JSON for tools")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("start", args, _run)


def _context(text: str) -> dict[str, Any]:
    return json_object(text, "--context")


def _run(args: argparse.Namespace) -> int:
    from engine.ops.instances import details
    from engine.ops.setup import deferred_engine, stored_versions
    from engine.ops.starting import start_instance

    context = _context(args.context)
    charts = charts_for(args, required=False)
    with opened(args) as store:
        charts += stored_versions(store, charts, [(args.chart, None)])
        if not any(c.id == args.chart for c in charts):
            raise CommandError(
                f"no chart {args.chart!r}: not in --definitions, and the database keeps no "
                "version of it (statewise deploy puts it there)"
            )
        engine = deferred_engine(store, charts)
        started = start_instance(engine, args.chart, context, key=args.key)
        shown = details(started.record)
    if args.json:
        print_json(shown)
    else:
        print(
            f"{shown['id']}: started {shown['chart']} v{shown['version']}"
            + (f" key {shown['key']}" if shown["key"] else "")
            + f" in {shown['state']} ({shown['status']})"
        )
    return EXIT_OK
