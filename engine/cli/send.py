"""``statewise send``: send an event to one instance, or to every instance in a state.

``statewise send ID EVENT`` or ``statewise send --chart C --key K EVENT``: one instance.
``statewise send --chart C --state S EVENT`` (or ``--tag T``): every instance selected
(uStore's "select items, Process"), each in its own transaction, with a progress bar on
standard error and a summary: accepted, refused (with the reason), failed.

The step is committed here; its effects (e-mails, tasks) stay in the outbox and a worker
performs them (this command holds no transports).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from engine.cli.progress import Progress
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

if TYPE_CHECKING:
    from engine.ops.sending import Sender
    from engine.service import Engine

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "send",
        help="send an event to an instance, or to every instance in a state",
        description="Send EVENT to instance ID, to the instance of --chart with --key, or to "
        "every instance of --chart in --state (or a state tagged --tag), each in its own "
        "transaction. Effects are left to the worker. Exit 1 when an event was refused.",
    )
    p.add_argument("target", nargs="+", metavar="ID EVENT", help="ID EVENT, or EVENT with --chart")
    add_db(p)
    add_definitions(p)
    p.add_argument("--chart", metavar="C", help="the chart of --key / --state / --tag")
    p.add_argument("--key", metavar="K", help="the instance with this business key")
    p.add_argument("--state", metavar="S", help="every instance in this state (bulk)")
    p.add_argument("--tag", metavar="T", help="every instance in a state tagged T (bulk)")
    p.add_argument("--data", metavar="JSON", help="the event's data, a JSON object")
    p.add_argument("--actor", metavar="A", help="who sends it (audited)")
    p.add_argument(
        "--role", action="append", metavar="R", help="the sender's role (repeatable); checked"
    )
    p.add_argument("--note", metavar="TEXT", help="a note kept in the audit trail")
    p.add_argument("--json", action="store_true", help="JSON for tools")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("send", args, _run)


def _data(text: str | None) -> Mapping[str, Any] | None:
    return None if text is None else json_object(text, "--data")


def _run(args: argparse.Namespace) -> int:
    from engine.ops.instances import find_instance
    from engine.ops.setup import deferred_engine, stored_versions

    bulk = args.state is not None or args.tag is not None
    if args.chart is None and (args.key or bulk):
        raise CommandError("--key, --state and --tag need --chart", EXIT_USAGE)
    if args.chart is not None and not (args.key or bulk):
        raise CommandError("--chart needs --key, --state or --tag", EXIT_USAGE)
    if args.key and bulk:
        raise CommandError("use --key or --state/--tag, not both", EXIT_USAGE)
    wanted = 1 if args.chart else 2
    if len(args.target) != wanted:
        shape = "EVENT" if args.chart else "ID EVENT"
        raise CommandError(f"expected {shape}, got {' '.join(args.target)}", EXIT_USAGE)
    event = args.target[-1]
    data = _data(args.data)
    charts = charts_for(args, required=False)
    with opened(args) as store:
        # versions not in --definitions come from the files the database kept (deploy)
        versions: list[tuple[str, int | None]] = []
        if args.chart:
            versions = [(args.chart, v.version) for v in store.chart_versions(args.chart)]
        else:
            record = find_instance(store, args.target[0])
            versions = [(record.chart, record.version)]
        charts += stored_versions(store, charts, versions)
        engine = deferred_engine(store, charts)
        if bulk:
            from engine.ops.select import Selection

            chosen = [
                s.id for s in Selection(store, args.chart, charts, state=args.state, tag=args.tag)
            ]
            return _bulk(args, engine, chosen, event, data)
        if args.key:
            iid = find_instance(store, chart=args.chart, key=args.key).id
        else:
            iid = find_instance(store, args.target[0]).id
        return _one(args, engine, iid, event, data)


def _sender(args: argparse.Namespace) -> Sender:
    from engine.ops.sending import Sender

    roles = None if args.role is None else frozenset(args.role)
    return Sender(actor=args.actor, roles=roles, note=args.note)


def _one(args: argparse.Namespace, engine: Engine, iid: str, event: str, data: Any) -> int:
    from engine.ops.sending import send_one

    result = send_one(engine, iid, event, data, sender=_sender(args))
    if not result.accepted:
        if args.json:
            print_json({"id": iid, "accepted": False, "reasons": result.reasons})
        else:
            verb = "refused" if result.status == "refused" else "failed"
            print(f"{iid}: {event} {verb}: " + "; ".join(result.reasons), file=sys.stderr)
        return EXIT_PROBLEMS
    if args.json:
        print_json(
            {"id": iid, "accepted": True, "from": result.from_states, "to": result.to_states}
        )
    else:
        print(f"{iid}: {event}: {', '.join(result.from_states)} -> {', '.join(result.to_states)}")
    return EXIT_OK


def _bulk(
    args: argparse.Namespace, engine: Engine, chosen: list[str], event: str, data: Any
) -> int:
    from engine.ops.sending import send_many

    total = len(chosen)
    progress = Progress(f"{event} sent")  # a bar on a terminal, plain lines in logs
    try:
        outcome = send_many(engine, chosen, event, data, sender=_sender(args), progress=progress)
    finally:
        progress.close()
    accepted = [r.id for r in outcome.of("accepted")]
    refused = [{"id": r.id, "reason": "; ".join(r.reasons)} for r in outcome.of("refused")]
    failed = [{"id": r.id, "error": "; ".join(r.reasons)} for r in outcome.of("failed")]
    if args.json:
        print_json({"selected": total, "accepted": accepted, "refused": refused, "failed": failed})
    else:
        print(
            f"{total} selected: {len(accepted)} accepted, {len(refused)} refused, {len(failed)} failed"
        )
        for r in refused:
            print(f"  refused {r['id']}: {r['reason']}")
        for f in failed:
            print(f"  failed  {f['id']}: {f['error']}")
    return EXIT_OK if outcome.ok else EXIT_PROBLEMS
