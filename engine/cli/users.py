"""``statewise users``: the people who sign in to the console (``statewise serve``).

``statewise users add NAME --roles A,B`` reads the password from standard input (one line;
typed at a terminal without echo), so it never appears in the shell history or the
process list. ``set-password`` ends every open session of the user.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from engine.cli.common import EXIT_OK, EXIT_USAGE
from engine.cli.tools import CommandError, add_db, opened, print_json, print_table, run_command

__all__ = ["add_parser", "read_password", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "users",
        help="manage the console's users (password from standard input)",
        description="Add, list and change the people who sign in to the console and the "
        "API. Passwords are read from standard input and stored as argon2 hashes.",
    )
    do = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = do.add_parser("add", help="add a user; the password is read from standard input")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--roles", default="", metavar="A,B", help="the user's roles, comma-separated")
    pw = do.add_parser("set-password", help="a new password (from standard input)")
    pw.add_argument("name", metavar="NAME")
    roles = do.add_parser("set-roles", help="replace the user's roles")
    roles.add_argument("name", metavar="NAME")
    roles.add_argument("--roles", required=True, metavar="A,B")
    rm = do.add_parser("remove", help="remove a user")
    rm.add_argument("name", metavar="NAME")
    ls = do.add_parser("list", help="list the users and their roles")
    ls.add_argument("--json", action="store_true", help="JSON for tools")
    for q in (add, pw, roles, rm, ls):
        add_db(q)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("users", args, _run)


def read_password() -> str:
    """One line from standard input; at a terminal, asked for twice without echo."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat it: ") != first:
            raise CommandError("the passwords differ", EXIT_USAGE)
        return first
    line = sys.stdin.readline()
    if not line:
        raise CommandError("no password on standard input", EXIT_USAGE)
    return line.rstrip("\r\n")


def _run(args: argparse.Namespace) -> int:
    from engine.ops import users
    from engine.store.sql import WebStore

    with opened(args) as store:
        web = WebStore(store)
        if args.action == "add":
            roles = users.parse_list(args.roles)
            users.add_user(web, args.name, read_password(), roles)
            print(f"user {args.name} added (roles: {', '.join(roles) or 'none'})")
        elif args.action == "set-password":
            users.set_password(web, args.name, read_password())
            print(f"user {args.name}: password changed; open sessions ended")
        elif args.action == "set-roles":
            roles = users.parse_list(args.roles)
            users.set_roles(web, args.name, roles)
            print(f"user {args.name}: roles {', '.join(roles) or 'none'}")
        elif args.action == "remove":
            if not web.remove_user(args.name):
                raise CommandError(f"no user {args.name!r}")
            print(f"user {args.name} removed")
        else:
            rows = web.users()
            if args.json:
                print_json([{"name": u.name, "roles": u.roles, "created": u.created} for u in rows])
            else:
                print_table(
                    ["NAME", "ROLES", "CREATED"],
                    [(u.name, ",".join(u.roles), f"{u.created:%Y-%m-%d %H:%M}") for u in rows],
                )
    return EXIT_OK
