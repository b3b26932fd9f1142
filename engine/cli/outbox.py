"""``statewise outbox``: list pending outbox items and dead letters; retry dead letters."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS, int_in
from engine.worker.clitools import (
    CommandError,
    add_db,
    opened,
    print_json,
    print_table,
    run_command,
)

if TYPE_CHECKING:
    from engine.runtime import Effect
    from engine.store.records import OutboxItem

__all__ = ["add_parser", "describe_effect", "run"]


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


def describe_effect(effect: Effect) -> str:
    from engine.runtime import (
        EventForInstance,
        NotifyRequested,
        SpawnRequested,
        StartRequested,
        TaskRequested,
    )

    if isinstance(effect, NotifyRequested):
        return f"{effect.channel} '{effect.template}' to {', '.join(effect.recipients)}"
    if isinstance(effect, TaskRequested):
        return f"task {effect.task}"
    if isinstance(effect, SpawnRequested):
        return f"spawn {len(effect.children)} x {effect.chart}"
    if isinstance(effect, StartRequested):
        return f"start {effect.chart}"
    if isinstance(effect, EventForInstance):
        return f"event {effect.event.name} to {effect.target}"
    return type(effect).__name__  # pragma: no cover


def run(args: argparse.Namespace) -> int:
    return run_command("outbox", args, _run)


def _run(args: argparse.Namespace) -> int:
    with opened(args) as store:
        if args.retry:
            if not store.requeue(args.retry):
                raise CommandError(f"no dead letter with id {args.retry!r}", EXIT_PROBLEMS)
            _say(args, {"retried": [args.retry]}, f"{args.retry}: pending again")
            return EXIT_OK
        if args.retry_all:
            retried: list[str] = []
            while batch := store.dead_letters(500):
                retried += [i.id for i in batch if store.requeue(i.id)]
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
