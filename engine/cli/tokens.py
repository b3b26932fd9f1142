"""``statewise tokens``: API tokens for integrations (CRM, carrier tracking, payment
callbacks), each limited to the charts and events it may send.

``statewise tokens add crm --charts ats.order --events evt.crm.status`` prints the token
once; only its hash is stored. A token with ``--roles`` may also take manual actions
whose ``manual.roles`` name one of them.
"""

from __future__ import annotations

import argparse

from engine.cli.common import EXIT_OK
from engine.cli.tools import add_db, opened, print_json, print_table, run_command

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "tokens",
        help="manage API tokens for integrations",
        description="Make, list and revoke the API tokens integrations send events with. "
        "A token is shown once, when it is made.",
    )
    do = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = do.add_parser("add", help="make a token; it is printed once")
    add.add_argument("name", metavar="NAME", help="who uses it (crm, carrier, payments)")
    add.add_argument(
        "--charts", required=True, metavar="A,B", help="the charts it may use ('*': any)"
    )
    add.add_argument("--events", default="*", metavar="E,F", help="the events it may send")
    add.add_argument("--roles", default="", metavar="R,S", help="roles for manual actions")
    rm = do.add_parser("revoke", help="revoke a token (running servers refuse it within 5 s)")
    rm.add_argument("name", metavar="NAME")
    ls = do.add_parser("list", help="list the tokens (never their secrets)")
    ls.add_argument("--json", action="store_true", help="JSON for tools")
    for q in (add, rm, ls):
        add_db(q)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("tokens", args, _run)


def _run(args: argparse.Namespace) -> int:
    from engine.ops import users
    from engine.store.sql import WebStore

    with opened(args) as store:
        web = WebStore(store)
        if args.action == "add":
            text = users.create_token(
                web,
                args.name,
                charts=users.parse_list(args.charts),
                events=users.parse_list(args.events),
                roles=users.parse_list(args.roles),
            )
            print(text)
        elif args.action == "revoke":
            users.revoke_token(web, args.name)
            print(f"token {args.name} revoked")
        else:
            rows = web.tokens()
            if args.json:
                print_json([t._asdict() | {"secret_sha256": None} for t in rows])
            else:
                print_table(
                    ["NAME", "CHARTS", "EVENTS", "ROLES", "LAST USED", "REVOKED"],
                    [
                        (
                            t.name,
                            ",".join(t.charts),
                            ",".join(t.events),
                            ",".join(t.roles),
                            "" if t.last_used is None else f"{t.last_used:%Y-%m-%d %H:%M}",
                            "" if t.revoked is None else f"{t.revoked:%Y-%m-%d %H:%M}",
                        )
                        for t in rows
                    ],
                )
    return EXIT_OK
