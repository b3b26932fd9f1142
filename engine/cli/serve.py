"""``statewise serve``: the operator console and the HTTP API from one process.

Several processes may serve one PostgreSQL database side by side (sessions, idempotency
keys and sign-in locks live in the database). Steps are committed here; their effects
(e-mails, tasks) are left in the outbox for ``statewise worker``. Needs the ``serve``
extra (Starlette, uvicorn, argon2-cffi); without it the command says how to install it.
"""

from __future__ import annotations

import argparse
import os
import sys

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from engine.cli.tools import add_db, add_definitions

__all__ = ["add_parser", "missing_packages", "run"]

#: what the serve extra brings (module -> package)
NEEDS = {"starlette": "starlette", "uvicorn": "uvicorn", "argon2": "argon2-cffi"}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "serve",
        help="serve the operator console and the HTTP API",
        description="Serve the console (queues, instances, actions) and the HTTP API "
        "(/api/v1, OpenAPI at /api/v1/openapi.json) over --db, with the charts of "
        "--definitions. Steps are committed here; run 'statewise worker' for their effects. "
        "Add users with 'statewise users add', integrations with 'statewise tokens add'.",
    )
    add_db(p)
    add_definitions(p)
    p.add_argument("--app", metavar="MODULE:FUNCTION", help="the application hook (functions)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument(
        "--secure-cookies", action="store_true", help="send cookies over HTTPS only (behind TLS)"
    )
    p.add_argument(
        "--trusted-header",
        metavar="NAME",
        help="trust this header for the signed-in user (a company SSO proxy; off by default)",
    )
    p.add_argument(
        "--trusted-roles-header",
        metavar="NAME",
        help="with --trusted-header: the header with the user's roles (else: the users table)",
    )
    p.add_argument(
        "--trusted-proxy",
        action="append",
        metavar="ADDRESS",
        help="an address the SSO proxy connects from (repeatable; default 127.0.0.1, ::1)",
    )
    p.add_argument(
        "--threads",
        type=_positive,
        default=16,
        metavar="N",
        help="requests worked on at once; each thread holds one database connection (16)",
    )
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    p.set_defaults(handler=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def missing_packages() -> list[str]:
    from importlib.util import find_spec

    return [pkg for module, pkg in NEEDS.items() if find_spec(module) is None]


def run(args: argparse.Namespace) -> int:
    missing = missing_packages()
    if missing:
        print(
            f"statewise serve: needs {', '.join(missing)} ({'is' if len(missing) == 1 else 'are'} "
            "not installed). Install the serve extra: pip install 'statewise[serve]' "
            "(from a checkout: pip install '.[serve]')",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not args.db:
        print("statewise serve: no database; pass --db URL or set STATEWISE_DB", file=sys.stderr)
        return EXIT_USAGE
    if not args.definitions:
        print("statewise serve: no charts; pass --definitions DIR", file=sys.stderr)
        return EXIT_USAGE
    if args.trusted_roles_header and not args.trusted_header:
        print("statewise serve: --trusted-roles-header needs --trusted-header", file=sys.stderr)
        return EXIT_USAGE
    import uvicorn

    from engine.errors import StatewiseError
    from engine.ops.errors import OpsError
    from engine.web.app import create_app
    from engine.web.config import ServeConfig

    config = ServeConfig(
        db=args.db,
        definitions=args.definitions,
        app=args.app,
        secure_cookies=args.secure_cookies,
        trusted_header=args.trusted_header,
        trusted_roles_header=args.trusted_roles_header,
        trusted_proxies=tuple(args.trusted_proxy or ("127.0.0.1", "::1")),
        threads=args.threads,
    )
    try:
        app = create_app(config)
    except (StatewiseError, OpsError, ValueError) as exc:
        print(f"statewise serve: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(
        f"statewise serve: console and API on http://{args.host}:{args.port}/ "
        f"(pid {os.getpid()}); effects are left to 'statewise worker'",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return EXIT_OK
