"""``statewise history ID``: an instance's audit trail, oldest first."""

from __future__ import annotations

import argparse

from engine.cli.common import EXIT_OK
from engine.cli.tools import (
    add_db,
    add_instance,
    instance_of,
    opened,
    print_json,
    print_table,
    run_command,
)

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "history",
        help="an instance's audit trail",
        description="Every step, note and forced change of instance ID (or the instance of "
        "--chart with --key), oldest first; an archived instance's from the archive. "
        "--json prints records that 'statewise render --history FILE' reads.",
    )
    add_instance(p)
    add_db(p)
    p.add_argument("--json", action="store_true", help="JSON for tools")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("history", args, _run)


def _run(args: argparse.Namespace) -> int:
    from engine.ops.history import audit_entry, instance_history

    with opened(args) as store:
        if args.id is not None and args.chart is None and args.key is None:
            records = instance_history(store, args.id)  # live or archived
        else:
            records = store.history(instance_of(args, store).id)
    if args.json:
        print_json([audit_entry(r) for r in records])
        return EXIT_OK
    rows = [
        [
            r.seq,
            r.time.strftime("%Y-%m-%d %H:%M:%S"),
            r.kind,
            r.event or "",
            ",".join(r.from_configuration),
            ",".join(r.to_configuration),
            r.actor or "",
            r.note or "",
        ]
        for r in records
    ]
    header = ["SEQ", "TIME", "KIND", "EVENT", "FROM", "TO", "ACTOR", "NOTE"]
    if any(r.client_note for r in records):  # what the customer was told, beside the audit note
        header.append("TO THE CUSTOMER")
        for row, r in zip(rows, records, strict=True):
            row.append(r.client_note or "")
    print_table(header, [tuple(row) for row in rows])
    return EXIT_OK
