"""``statewise worker``: fire due timers and deliver the outbox, with retries and dead letters.

The worker loads the charts of ``--definitions`` (every version still in use) and the
application's task handlers and transports (``--app module:function``, see
:mod:`engine.ops.setup`), then works until SIGTERM or SIGINT (exit 0). See
docs/operations.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, int_in, seconds
from engine.cli.tools import (
    CommandError,
    add_db,
    add_definitions,
    age,
    charts_for,
    run_command,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from engine.model import Chart
    from engine.ops.setup import App
    from engine.service import Engine
    from engine.store.sql import SqlStore

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "worker",
        help="fire due timers and deliver the outbox (retries, dead letters)",
        description="Fire due timers and deliver outbox items left pending, with retries "
        "(exponential backoff with jitter) and a dead letter after --max-attempts. Several "
        "workers may share a PostgreSQL database; run one on SQLite. SIGTERM or SIGINT "
        "stops the worker after its current item (exit 0).",
    )
    add_db(p)
    add_definitions(p)
    p.add_argument(
        "--app", metavar="MODULE:FUNCTION", help="returns {tasks, transports, functions}"
    )
    p.add_argument("--owner", help="this worker's name in leases (default: host:pid)")
    p.add_argument(
        "--batch",
        type=int_in(1, 10_000),
        default=100,
        metavar="N",
        help="timers (and items) per pass and per transaction (100)",
    )
    p.add_argument("--poll", type=seconds(), default=1.0, metavar="SECONDS", help="idle pause (1)")
    p.add_argument(
        "--max-attempts",
        type=int_in(1, 1000),
        default=8,
        metavar="N",
        help="attempts before a dead letter (8)",
    )
    p.add_argument(
        "--backoff",
        type=seconds(zero=True),
        default=2.0,
        metavar="SECONDS",
        help="first retry delay (2)",
    )
    p.add_argument(
        "--lease", type=seconds(), default=300.0, metavar="SECONDS", help="claim lease (300)"
    )
    p.add_argument(
        "--grace",
        type=seconds(zero=True),
        default=30.0,
        metavar="SECONDS",
        help="how old a pending outbox item must be before the worker takes it over (30)",
    )
    p.add_argument("--once", action="store_true", help="work until nothing is due, then exit")
    p.add_argument(
        "--purge-after",
        type=_age_or_never,
        default=timedelta(days=30),
        metavar="AGE",
        help="delete done outbox items older than AGE, e.g. 30d; 'never' keeps them (30d)",
    )
    p.add_argument(
        "--archive-after",
        type=_age_or_never,
        default=None,
        metavar="AGE",
        help="archive instances finished longer than AGE ago, e.g. 90d (default: never)",
    )
    p.add_argument(
        "--unbatched",
        action="store_true",
        help="commit each timer and outbox item on its own, as before batching (comparisons)",
    )
    p.add_argument(
        "--no-pipeline",
        action="store_true",
        help="PostgreSQL: save each batch of timers before planning the next (comparisons)",
    )
    p.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="(INFO)"
    )
    p.set_defaults(handler=run)


def _age_or_never(text: str) -> timedelta | None:
    return None if text.strip().lower() == "never" else age(text)


def run(args: argparse.Namespace) -> int:
    return run_command("worker", args, _run)


def _run(args: argparse.Namespace) -> int:
    from engine.ops.setup import SetupError, load_app
    from engine.service.ops import RetryPolicy
    from engine.service.registry import ConfigurationError
    from engine.store.sql import SchemaNotCurrent
    from engine.store.sql.connect import check_url
    from engine.worker import Worker, WorkerSettings
    from engine.worker.loop import DatabaseUnavailable

    if not args.db:
        raise CommandError("no database; pass --db URL or set STATEWISE_DB", EXIT_USAGE)
    try:
        check_url(args.db)
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from exc
    try:
        policy = RetryPolicy(args.max_attempts, args.backoff, grace=args.grace)
        app = load_app(args.app, args.db)
    except (ValueError, SetupError) as exc:
        raise CommandError(str(exc), EXIT_USAGE) from exc
    charts = charts_for(args)
    if not charts:
        raise CommandError(f"no charts in {args.definitions}", EXIT_USAGE)
    logging.basicConfig(
        level=args.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # the worker reports lost connections itself; the pool's own traceback is noise
    logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)
    owner = args.owner or f"{socket.gethostname()}:{os.getpid()}"
    settings = WorkerSettings(
        args.db,
        owner,
        args.batch,
        args.poll,
        args.lease,
        policy,
        once=args.once,
        batched=not args.unbatched,
        pipelined=not args.no_pipeline,
        purge_after=None if args.purge_after is None else args.purge_after.total_seconds(),
        archive_after=None if args.archive_after is None else args.archive_after.total_seconds(),
    )
    worker = Worker(settings, _engine_factory(charts, app))
    _long_running_gc()
    try:
        stats = worker.run()
    except ConfigurationError as exc:
        hint = (
            " (e-mail: set STATEWISE_SMTP_HOST; SMS: STATEWISE_SMS_URL; or return "
            "tasks/transports from --app module:function; see docs/operations.md)"
        )
        raise CommandError(f"{exc}{hint}", EXIT_USAGE) from exc
    except (SchemaNotCurrent, SetupError, DatabaseUnavailable) as exc:
        raise CommandError(str(exc), EXIT_PROBLEMS) from exc
    logging.getLogger("statewise.worker").info("worker %s stopped: %s", owner, stats)
    return EXIT_OK


def _long_running_gc() -> None:
    """A worker keeps its charts, compiled templates and record cache for its whole life and
    allocates steadily: leave what exists now out of the collector's scans (``gc.freeze``)
    and collect the young generation less often. Measured: a quarter less CPU per timer."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _engine_factory(charts: list[Chart], app: App) -> Callable[[SqlStore], Engine]:
    from engine.ops.setup import default_transports
    from engine.service import Engine
    from engine.worker.clock import DatabaseClock

    transports = {**default_transports(), **app.transports}

    def make(store: SqlStore) -> Engine:
        # the Engine records each version's definition (by meaning); a used version whose
        # meaning changed is refused (ChartVersionConflict: deploy it as a new version)
        return Engine(
            store,
            app.clock or DatabaseClock(store),  # the database's clock, unless the app has one
            tasks=app.tasks,
            transports=transports,
            charts=charts,
            functions=app.functions,
        )

    return make
