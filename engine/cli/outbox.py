"""``statewise outbox``: list pending outbox items and dead letters; retry dead letters."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from engine.cli.common import EXIT_OK, int_in
from engine.cli.tools import (
    add_db,
    opened,
    print_json,
    print_table,
    run_command,
)

if TYPE_CHECKING:
    from engine.store.records import OutboxItem

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "outbox",
        help="list pending outbox items or dead letters; retry dead letters",
        description="Without options: the outbox items still to be performed (pending or "
        "failed, with their attempts and last error). --dead lists the dead letters (items "
        "given up on after --max-attempts); --retry ID or --retry-all hands them back to "
        "the workers.",
    )
    add_db(p)
    p.add_argument("--dead", action="store_true", help="list the dead letters")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--retry", metavar="ID", help="make one dead letter pending again")
    what.add_argument("--retry-all", action="store_true", help="make every dead letter pending")
    p.add_argument(
        "--limit", type=int_in(1, 10_000), default=100, metavar="N", help="rows listed (100)"
    )
    p.add_argument("--json", action="store_true", help="JSON for tools")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("outbox", args, _run)


def _run(args: argparse.Namespace) -> int:
    from engine.ops.outbox import retry_all, retry_one

    with opened(args) as store:
        if args.retry:
            retry_one(store, args.retry)
            _say(args, {"retried": [args.retry]}, f"{args.retry}: pending again")
            return EXIT_OK
        if args.retry_all:
            retried = retry_all(store)
            _say(args, {"retried": retried}, f"{len(retried)} dead letter(s) pending again")
            return EXIT_OK
        items = store.dead_letters(args.limit) if args.dead else store.pending_outbox(args.limit)
    _list(args, items)
    return EXIT_OK


def _say(args: argparse.Namespace, data: object, text: str) -> None:
    if args.json:
        print_json(data)
    else:
        print(text)


def _list(args: argparse.Namespace, items: tuple[OutboxItem, ...]) -> None:
    from engine.ops.outbox import describe_effect

    if args.json:
        print_json(
            [
                {
                    "id": i.id,
                    "instance": i.instance_id,
                    "effect": describe_effect(i.effect),
                    "attempts": i.attempts,
                    "error": i.error,
                }
                for i in items
            ]
        )
        return
    if not items:
        print("no dead letters" if args.dead else "nothing pending")
        return
    print_table(
        ["ID", "EFFECT", "ATTEMPTS", "LAST ERROR"],
        [(i.id, describe_effect(i.effect), i.attempts, _short(i.error)) for i in items],
    )


def _short(text: str | None, width: int = 70) -> str:
    if not text:
        return ""
    line = text.replace("\n", " ")
    return line if len(line) <= width else line[: width - 1] + "…"
