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
import json
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Progress
from engine.worker.clitools import (
    CommandError,
    add_db,
    add_definitions,
    charts_for,
    opened,
    print_json,
    run_command,
)

if TYPE_CHECKING:
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
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CommandError(f"--data is not JSON: {exc}", EXIT_USAGE) from exc
    except RecursionError:
        raise CommandError(
            "--data is nested too deeply; expected a flat JSON object", EXIT_USAGE
        ) from None
    if not isinstance(data, dict):
        raise CommandError("--data must be a JSON object", EXIT_USAGE)
    return data


def _run(args: argparse.Namespace) -> int:
    from engine.worker.setup import deferred_engine

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
    charts = charts_for(args)
    with opened(args) as store:
        engine = deferred_engine(store, charts)
        if bulk:
            from engine.worker.select import Selection

            chosen = [
                s.id for s in Selection(store, args.chart, charts, state=args.state, tag=args.tag)
            ]
            return _bulk(args, engine, chosen, event, data)
        if args.key:
            found = store.find(args.chart, args.key)
            if found is None:
                raise CommandError(f"chart {args.chart!r} has no instance with key {args.key!r}")
            iid = found.id
        else:
            iid = args.target[0]
        return _one(args, engine, iid, event, data)


def _send(args: argparse.Namespace, engine: Engine, iid: str, event: str, data: Any) -> Any:
    from engine.service.ops import send_deferred
    from engine.store import ConcurrentUpdate

    try:
        return send_deferred(
            engine, iid, event, data, actor=args.actor, note=args.note, roles=args.role
        )
    except ConcurrentUpdate:  # changed meanwhile: once more on the fresh instance
        return send_deferred(
            engine, iid, event, data, actor=args.actor, note=args.note, roles=args.role
        )


def _one(args: argparse.Namespace, engine: Engine, iid: str, event: str, data: Any) -> int:
    from engine.runtime import EventRefused

    before = engine.get(iid)
    try:
        after = _send(args, engine, iid, event, data)
    except EventRefused as refused:
        reasons = [b.message for b in refused.blockers] or [str(refused)]
        if args.json:
            print_json({"id": iid, "accepted": False, "reasons": reasons})
        else:
            print(f"{iid}: {event} refused: " + "; ".join(reasons), file=sys.stderr)
        return EXIT_PROBLEMS
    if args.json:
        print_json(
            {"id": iid, "accepted": True, "from": before.leaf_states, "to": after.leaf_states}
        )
    else:
        print(f"{iid}: {event}: {', '.join(before.leaf_states)} -> {', '.join(after.leaf_states)}")
    return EXIT_OK


def _bulk(
    args: argparse.Namespace, engine: Engine, chosen: list[str], event: str, data: Any
) -> int:
    from engine.errors import StatewiseError
    from engine.runtime import EventRefused

    accepted: list[str] = []
    refused: list[dict[str, str]] = []
    failed: list[dict[str, str]] = []
    total = len(chosen)
    progress = Progress(total, f"{event}:")
    for n, iid in enumerate(chosen, 1):
        try:
            _send(args, engine, iid, event, data)
            accepted.append(iid)
        except EventRefused as exc:
            reason = "; ".join(b.message for b in exc.blockers) or str(exc)
            refused.append({"id": iid, "reason": reason})
        except StatewiseError as exc:
            failed.append({"id": iid, "error": str(exc)})
        progress.step(n)
    progress.finish()
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
    return EXIT_OK if not refused and not failed else EXIT_PROBLEMS
