"""``statewise note ID TEXT --actor A``: a note in an instance's audit trail (nothing else
changes)."""

from __future__ import annotations

import argparse

from engine.cli.common import EXIT_OK
from engine.cli.tools import add_db, add_instance, instance_of, opened, run_command

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "note",
        help="add a note to an instance's audit trail",
        description="Add TEXT to the audit trail of instance ID (or the instance of --chart "
        "with --key; kind 'note'); the instance itself does not change.",
    )
    add_instance(p)
    p.add_argument("text", metavar="TEXT", help="the note")
    p.add_argument("--actor", required=True, metavar="A", help="who writes it")
    add_db(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("note", args, _run)


def _run(args: argparse.Namespace) -> int:
    from engine.ops.notes import add_note

    with opened(args) as store:
        record = instance_of(args, store)
        add_note(store, record, args.text, actor=args.actor)
    print(f"{record.id}: note added")
    return EXIT_OK
