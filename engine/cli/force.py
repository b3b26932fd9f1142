"""``statewise force ID STATE --reason TEXT --actor A``: an administrative change of state.

The instance is put into STATE without an event: the states that cannot stay beside it are
left, STATE is entered with its default substates, no actions run (the context stays),
timers of the states left are cancelled and those of the states entered started. Audited
as kind ``forced`` with the reason. See ``engine.service.forcing.forced_snapshot``.
"""

from __future__ import annotations

import argparse

from engine.cli.common import EXIT_OK, EXIT_USAGE
from engine.cli.tools import (
    CommandError,
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
        "force",
        help="force an instance into a state (audited, with a reason)",
        description="Put instance ID (or the instance of --chart with --key) into STATE "
        "without an event (an administrative "
        "override): no actions run, the context stays, timers follow the states. The "
        "reason is mandatory and kept in the audit trail (kind 'forced').",
    )
    add_instance(p)
    p.add_argument("state", metavar="STATE", help="the target state (a name or path)")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why (mandatory)")
    p.add_argument("--actor", required=True, metavar="A", help="who does it")
    add_db(p)
    add_definitions(p)
    p.add_argument("--json", action="store_true", help="JSON for tools")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("force", args, _run)


def _run(args: argparse.Namespace) -> int:
    from engine.ops.forcing import force
    from engine.ops.setup import deferred_engine, stored_versions

    if not args.reason.strip():
        raise CommandError("--reason must not be empty", EXIT_USAGE)
    charts = charts_for(args, required=False)
    with opened(args) as store:
        record = instance_of(args, store)
        charts += stored_versions(store, charts, [(record.chart, record.version)])
        engine = deferred_engine(store, charts)
        iid = record.id
        done = force(engine, iid, args.state, reason=args.reason, actor=args.actor)
    if args.json:
        print_json(
            {"id": iid, "from": done.from_states, "to": done.to_states, "timers": done.timers}
        )
    else:
        print(
            f"{iid}: forced {', '.join(done.from_states)} -> "
            f"{', '.join(done.to_states)} ({args.reason})"
        )
    return EXIT_OK
