"""``statewise demo``: a simulated business day across the four shipped systems.

Yes!Cart orders, uStore items, Click & Collect orders and ATS orders arrive through a
Friday on a simulated clock, with payment faults, shortages, production failures, a CRM
outage, cancellations and returns; operators with roles work their queues; the day runs
on through the weekend. Then a report per system, one order's story, heat maps and the
invariants (exit 1 if one breaks). See engine/demo and docs/integrations.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli.common import EXIT_PROBLEMS, EXIT_USAGE, int_in
from engine.flows import flow_path

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "demo",
        help="a simulated business day across Yes!Cart, uStore, collect and ATS",
        description="Run the shipped flows with the reference integrations through a "
        "simulated business day (a Friday, then the weekend): orders, faults, operators with "
        "roles; then the report per system, one order's story, heat maps and the invariants "
        "(exit 1 if one breaks).",
    )
    p.add_argument(
        "--orders",
        type=int_in(1, 1_000_000),
        default=1200,
        metavar="N",
        help="customer orders in the day (1200)",
    )
    p.add_argument(
        "--seed", type=int_in(0, 2**63 - 1), default=1, help="the same seed gives the same day (1)"
    )
    p.add_argument(
        "--db",
        metavar="URL",
        help="an empty database for the day (default: a new SQLite file in a temporary "
        "folder), e.g. postgresql+psycopg://user@host/db",
    )
    p.add_argument(
        "--workers",
        type=int_in(0, 64),
        default=0,
        metavar="N",
        help="worker processes fire the timers and deliver the outbox (default 0: this process)",
    )
    p.add_argument(
        "--out",
        default="statewise-demo",
        metavar="DIR",
        help="where the heat maps and exported files go (statewise-demo)",
    )
    p.add_argument(
        "--definitions",
        type=flow_path,
        metavar="DIR",
        help="the flows (default: the shipped ones, builtin:)",
    )
    p.add_argument(
        "--no-progress", action="store_true", help="plain progress lines even on a terminal"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from engine.demo.run import DemoSetupError, run_demo
    from engine.demo.settings import DemoSettings
    from engine.errors import StatewiseError

    settings = DemoSettings(
        orders=args.orders,
        seed=args.seed,
        db=args.db,
        workers=args.workers,
        out=Path(args.out),
        definitions=Path(args.definitions) if args.definitions else None,
        progress=False if args.no_progress else None,
    )
    try:
        return run_demo(settings)
    except DemoSetupError as exc:
        print(f"statewise demo: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (StatewiseError, ValueError) as exc:
        print(f"statewise demo: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
