"""``statewise status``: the health of a deployment, for people, tools and monitoring.

``statewise status --db URL [--json | --prometheus] [--max-lag S] [--max-dead N]
[--max-clock-offset S]``: queue depth (timers due, outbox items pending, retrying, dead),
lag, leases held by workers, the oldest rows purging and archiving wait for, table sizes.
With limits it is a health check: exit 1 and one line per limit exceeded. The figures come
from :func:`engine.ops.metrics.health`, which ``GET /api/v1/status`` serves too.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS, int_in, seconds
from engine.cli.tools import add_db, duration, opened, print_json, run_command

if TYPE_CHECKING:
    from engine.ops.metrics import Health

__all__ = ["add_parser", "run"]

YEAR = 366 * 86400.0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "status",
        help="queue depth, lag, dead letters, leases: the health of a deployment",
        description="Read the figures to monitor from the database (cheaply: indexes only). "
        "With --max-lag, --max-dead or --max-clock-offset, exit 1 when a limit is exceeded "
        "(a health check for cron or a container probe).",
    )
    add_db(p)
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="JSON for tools")
    shape.add_argument("--prometheus", action="store_true", help="Prometheus text format")
    p.add_argument(
        "--max-lag",
        type=seconds(zero=True, most=YEAR),
        metavar="SECONDS",
        help="timer and outbox lag limit",
    )
    p.add_argument("--max-dead", type=int_in(0, 10**9), metavar="N", help="dead letters allowed")
    p.add_argument(
        "--max-clock-offset",
        type=seconds(zero=True, most=YEAR),
        metavar="SECONDS",
        help="this host's clock vs the database's",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("status", args, _run)


def _run(args: argparse.Namespace) -> int:
    import sys

    from engine.ops.metrics import health, problems, prometheus

    with opened(args) as store:
        h = health(store)
    found = problems(
        h, max_lag=args.max_lag, max_dead=args.max_dead, max_clock_offset=args.max_clock_offset
    )
    if args.json:
        print_json({**h.as_dict(), "problems": found})
    elif args.prometheus:
        sys.stdout.write(prometheus(h))
    else:
        _show(h)
    for line in found:
        print(f"statewise status: {line}", file=sys.stderr)
    return EXIT_PROBLEMS if found else EXIT_OK


def _ago(now: datetime, when: datetime | None) -> str:
    return "none" if when is None else f"{duration(now - when)} old"


def _show(h: Health) -> None:
    leases = "  ".join(f"{o}:{n}" for o, n in sorted(h.leases.items())) or "none"
    rows = "  ".join(f"{t.removeprefix('statewise_')} {n:,}" for t, n in h.rows.items())
    lines = [
        ("database", h.database),
        ("checked at", f"{h.checked_at:%Y-%m-%d %H:%M:%S} (database clock; this host is "
                       f"{0.0 - h.clock_offset:+.3f} s from it)"),
        ("timers due", f"{h.timers_due:,}" + (f" (oldest {h.timer_lag:.0f} s late)" if h.timers_due else "")),
        ("outbox", f"{h.outbox_pending:,} pending, {h.outbox_retrying:,} retrying, "
                   f"{h.outbox_dead:,} dead (oldest waiting {h.outbox_lag:.0f} s)"),
        ("leases", leases),
        ("retention", f"oldest done outbox item {_ago(h.checked_at, h.oldest_done_item)}; "
                      f"oldest finished instance {_ago(h.checked_at, h.oldest_finished_instance)}"),
        ("rows", rows),
    ]  # fmt: skip
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        print(f"{key.ljust(width)}  {value}")
