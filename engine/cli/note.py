"""``statewise note ID TEXT --actor A``: a note in an instance's audit trail (nothing else
changes)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from engine.cli.common import EXIT_OK, EXIT_USAGE
from engine.worker.clitools import CommandError, add_db, opened, run_command

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "note",
        help="add a note to an instance's audit trail",
        description="Add TEXT to the audit trail of instance ID (kind 'note'); the instance "
        "itself does not change.",
    )
    p.add_argument("id", metavar="ID", help="the instance id")
    p.add_argument("text", metavar="TEXT", help="the note")
    p.add_argument("--actor", required=True, metavar="A", help="who writes it")
    add_db(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("note", args, _run)


def _run(args: argparse.Namespace) -> int:
    from engine.service.commit import EMPTY
    from engine.store.records import AuditRecord, Changes

    if not args.text.strip():
        raise CommandError("the note is empty", EXIT_USAGE)
    from engine.limits import DEFAULT_LIMITS
    from engine.service.core import check_audit_text

    check_audit_text(args.actor, args.text, limit=DEFAULT_LIMITS.note)  # as Engine.note does
    with opened(args) as store:
        # written straight to the store: a note needs no chart (Engine.note does the same)
        record = store.load(args.id)
        now = _now()
        line = AuditRecord(
            record.id,
            record.row_version + 1,
            None,
            EMPTY,
            (),
            (),
            args.actor,
            args.text,
            None,
            now,
            "note",
        )
        leaves = _leaves(record.snapshot.configuration)
        line = line._replace(from_configuration=leaves, to_configuration=leaves)
        store.save(
            record.id,
            record.snapshot,
            status=record.status,
            expected_version=record.row_version,
            time=now,
            changes=Changes(audit=(line,)),
        )
    print(f"{args.id}: note added")
    return EXIT_OK


def _now() -> datetime:
    return datetime.now(UTC)


def _leaves(configuration: frozenset[str]) -> tuple[str, ...]:
    return tuple(
        sorted(s for s in configuration if not any(o.startswith(s + ".") for o in configuration))
    )
