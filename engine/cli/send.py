"""``statewise send``: send an event to one instance, to the instances picked one by one,
or to every instance in a state.

``statewise send ID EVENT`` or ``statewise send --chart C --key K EVENT``: one instance.
``statewise send [--chart C] --id ID --id ID2 EVENT`` (or several ``--key``, or
``--ids-from FILE`` / ``--keys-from FILE``): the instances a person selected (uStore's
"select items, Process"), with a line per item: accepted, refused (with the reason), not
found, failed. ``statewise send --chart C --state S EVENT`` (or ``--tag T``): every instance
in a state. Each instance is its own unit of work, with a progress bar on standard error
and a summary.

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
    from engine.ops.select import Picked
    from engine.ops.sending import Sender
    from engine.service import Engine

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "send",
        help="send an event to an instance, to selected instances, or to every instance in a state",
        description="Send EVENT to instance ID, to the instance of --chart with --key, to the "
        "instances selected by --id / --key (repeatable) or --ids-from / --keys-from (a file, "
        "one per line; - is standard input), or to every instance of --chart in --state (or a "
        "state tagged --tag); each instance in its own transaction, with a result per selected "
        "item. Effects are left to the worker. Exit 1 when an event was refused, an item was "
        "not found or failed.",
    )
    p.add_argument(
        "target", nargs="+", metavar="ID EVENT", help="ID EVENT, or EVENT with --chart / --id"
    )
    add_db(p)
    add_definitions(p)
    p.add_argument("--chart", metavar="C", help="the chart of --key / --state / --tag")
    p.add_argument(
        "--key",
        action="append",
        metavar="K",
        help="the instance with this business key (repeatable: several selected)",
    )
    p.add_argument("--id", action="append", metavar="ID", help="a selected instance (repeatable)")
    p.add_argument("--ids-from", metavar="FILE", help="selected instance ids, one per line")
    p.add_argument("--keys-from", metavar="FILE", help="selected business keys, one per line")
    p.add_argument("--state", metavar="S", help="every instance in this state (bulk)")
    p.add_argument("--tag", metavar="T", help="every instance in a state tagged T (bulk)")
    p.add_argument("--data", metavar="JSON", help="the event's data, a JSON object")
    p.add_argument("--actor", metavar="A", help="who sends it (audited)")
    p.add_argument(
        "--role", action="append", metavar="R", help="the sender's role (repeatable); checked"
    )
    p.add_argument("--note", metavar="TEXT", help="an audit note, kept in the audit trail")
    p.add_argument(
        "--client-note",
        metavar="TEXT",
        help="what the customer is told (the client-facing note), kept with the step",
    )
    p.add_argument("--json", action="store_true", help="JSON for tools")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("send", args, _run)


def _data(text: str | None) -> Mapping[str, Any] | None:
    return None if text is None else json_object(text, "--data")


def _names(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The ids and keys the person selected: ``--id``/``--key`` then the files' lines."""
    ids = list(args.id or [])
    keys = list(args.key or [])
    if args.ids_from is not None:
        ids += _lines(args.ids_from, "--ids-from")
    if args.keys_from is not None:
        keys += _lines(args.keys_from, "--keys-from")
    return ids, keys


def _lines(path: str, option: str) -> list[str]:
    """The names in a file, one per line (``-``: standard input); blank lines and lines
    starting with ``#`` are skipped."""
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as f:
                text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{option}: cannot read {path}: {exc}", EXIT_USAGE) from exc
    found = [line.strip() for line in text.splitlines()]
    names = [n for n in found if n and not n.startswith("#")]
    if not names:
        raise CommandError(f"{option}: {path} names no instance", EXIT_USAGE)
    return names


def _run(args: argparse.Namespace) -> int:
    from engine.ops.instances import find_instance
    from engine.ops.setup import deferred_engine, stored_versions

    bulk = args.state is not None or args.tag is not None
    ids, keys = _names(args)
    picking = bool(ids) or len(keys) > 1 or args.keys_from is not None
    if args.chart is None and (keys or bulk):
        raise CommandError("--key, --state and --tag need --chart", EXIT_USAGE)
    if args.chart is not None and not (keys or bulk or picking):
        raise CommandError("--chart needs --key, --id, --state or --tag", EXIT_USAGE)
    if (keys or picking) and bulk:
        raise CommandError("select by --id/--key or by --state/--tag, not both", EXIT_USAGE)
    wanted = 1 if (args.chart or picking) else 2
    if len(args.target) != wanted:
        shape = "EVENT" if wanted == 1 else "ID EVENT"
        raise CommandError(f"expected {shape}, got {' '.join(args.target)}", EXIT_USAGE)
    event = args.target[-1]
    data = _data(args.data)
    charts = charts_for(args, required=False)
    with opened(args) as store:
        # versions not in --definitions come from the files the database kept (deploy)
        versions: list[tuple[str, int | None]] = []
        picked: list[Picked] = []
        if picking:
            from engine.ops.select import pick

            picked = pick(store, chart=args.chart, ids=ids, keys=keys)
            found = {(p.record.chart, p.record.version) for p in picked if p.record is not None}
            versions = sorted(found)
        elif args.chart:
            versions = [(args.chart, v.version) for v in store.chart_versions(args.chart)]
        else:
            record = find_instance(store, args.target[0])
            versions = [(record.chart, record.version)]
        charts += stored_versions(store, charts, versions)
        engine = deferred_engine(store, charts)
        if picking:
            return _picked(args, engine, picked, event, data)
        if bulk:
            from engine.ops.select import Selection

            chosen = [
                s.id for s in Selection(store, args.chart, charts, state=args.state, tag=args.tag)
            ]
            return _bulk(args, engine, chosen, event, data)
        if keys:
            iid = find_instance(store, chart=args.chart, key=keys[0]).id
        else:
            iid = find_instance(store, args.target[0]).id
        return _one(args, engine, iid, event, data)


def _sender(args: argparse.Namespace) -> Sender:
    from engine.ops.sending import Sender

    roles = None if args.role is None else frozenset(args.role)
    return Sender(actor=args.actor, roles=roles, note=args.note, client_note=args.client_note)


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


def _picked(
    args: argparse.Namespace, engine: Engine, picked: list[Picked], event: str, data: Any
) -> int:
    """The selected instances: a line per item (what became of it, and why)."""
    from engine.ops.sending import send_picked

    progress = Progress(f"{event} sent")
    try:
        outcome = send_picked(engine, picked, event, data, sender=_sender(args), progress=progress)
    finally:
        progress.close()
    items = []
    for p, r in zip(picked, outcome.results, strict=True):
        items.append(
            {
                "given": p.given,
                "by": p.by,
                "id": None if p.record is None else p.record.id,
                "key": None if p.record is None else p.record.key,
                "status": r.status,
                "from": list(r.from_states),
                "to": list(r.to_states),
                "reasons": list(r.reasons),
            }
        )
    counts = {s: len(outcome.of(s)) for s in ("accepted", "refused", "not_found", "failed")}
    if args.json:
        print_json({"event": event, "selected": len(items), "summary": counts, "items": items})
    else:
        print(
            f"{len(items)} selected: {counts['accepted']} accepted, {counts['refused']} refused, "
            f"{counts['not_found']} not found, {counts['failed']} failed"
        )
        for item in items:
            print("  " + _item_line(item))
    return EXIT_OK if outcome.ok else EXIT_PROBLEMS


def _item_line(item: Mapping[str, Any]) -> str:
    name = item["id"] if item["key"] is None else f"{item['id']} (key {item['key']})"
    status = item["status"]
    if status == "accepted":
        return f"accepted  {name}: {', '.join(item['from'])} -> {', '.join(item['to'])}"
    why = "; ".join(item["reasons"])
    if status == "not_found":
        return f"not found {item['given']}: {why}"
    return f"{status:<9} {name}: {why}"
