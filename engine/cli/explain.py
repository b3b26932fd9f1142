"""``statewise explain ID EVENT`` (or ``--chart C --key K EVENT``): would the instance take
the event now, and why (not)? Every transition that reacts to it, whether its state is
active, who may take it, and its guard clause by clause with the values read. Nothing
changes. The charts come from ``--definitions`` or, without it, from the files the
database kept for the instance's version."""

from __future__ import annotations

import argparse

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS
from engine.cli.send import _data
from engine.cli.tools import (
    add_db,
    add_definitions,
    add_instance,
    charts_for,
    instance_of,
    opened,
    print_json,
    run_command,
)

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "explain",
        help="would an instance take an event now, and why (not)",
        description="Explain what EVENT would do to instance ID (or the instance of --chart "
        "with --key) now: taken, ignored or refused, with every transition that reacts to "
        "it, its guard clause by clause and the values read, and the roles it needs. "
        "Nothing changes. Exit 1 when the event would be refused.",
    )
    add_instance(p)
    p.add_argument("event", metavar="EVENT", help="the event")
    add_db(p)
    add_definitions(p)
    p.add_argument("--data", metavar="JSON", help="the event's data, a JSON object")
    p.add_argument("--role", action="append", metavar="R", help="the sender's role (repeatable)")
    p.add_argument("--actor", metavar="A", help="who would send it")
    p.add_argument("--note", metavar="TEXT", help="the note it would carry")
    p.add_argument("--json", action="store_true", help="JSON for tools")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("explain", args, _run)


def _run(args: argparse.Namespace) -> int:
    from engine.ops.actions import explanation, explanation_data
    from engine.ops.setup import deferred_engine, stored_versions

    data = _data(args.data)
    charts = charts_for(args, required=False)
    with opened(args) as store:
        record = instance_of(args, store)
        charts += stored_versions(store, charts, [(record.chart, record.version)])
        engine = deferred_engine(store, charts)
        found = explanation(
            engine, record.id, args.event, data, roles=args.role, actor=args.actor, note=args.note
        )
    if args.json:
        print_json({"id": record.id, **explanation_data(found)})
    else:
        print(f"{record.id} ({record.chart} v{record.version}, key {record.key})")
        print(found)
    return EXIT_OK if found.accepted or found.ignored else EXIT_PROBLEMS
