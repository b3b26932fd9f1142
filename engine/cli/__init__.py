"""The ``statewise`` command line: the composition root.

One module per command; each has ``add_parser(subparsers)`` which registers the
command and sets ``handler``. Exit codes are in :mod:`engine.cli.common` and
docs/cli.md. Heavy libraries are imported inside the commands, so ``statewise --help``
stays fast and commands that do not touch a database never import SQLAlchemy.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

from engine.cli.common import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, Parser

__all__ = ["main"]

#: The command modules, in the order `--help` lists them.
COMMANDS = (
    "init",
    "validate",
    "demo",
    "test",
    "render",
    "diff",
    "docs",
    "schema",
    "lsp",
    "db",
    "worker",
    "outbox",
    "instances",
    "start",
    "send",
    "explain",
    "history",
    "note",
    "force",
    "migrate",
    "serve",
    "users",
    "tokens",
    "replay",
    "deploy",
    "versions",
    "flows",
    "reference",
    "purge",
    "archive",
    "status",
)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="statewise",
        description="Declarative workflow engine: YAML state charts, checked and run.",
        epilog="Exit codes: 0 success, 1 problems found in the input, 2 usage error, "
        "3 internal error. See docs/cli.md.",
    )
    parser.add_argument(
        "--version", action=_Version, nargs=0, help="print the version of statewise and exit"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in COMMANDS:
        import_module(f"engine.cli.{name}").add_parser(sub)
    return parser


class _Version(argparse.Action):
    """``--version``: the installed distribution's version, looked up only when asked."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kw: object) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("statewise")
        except PackageNotFoundError:  # running from a source tree that is not installed
            found = "unknown (not installed)"
        print(f"statewise {found} (Python {sys.version.split()[0]})")
        parser.exit(EXIT_OK)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug in statewise: no traceback for users, but say so
        print(
            f"statewise: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in statewise; please report it with the input that caused it "
            "(set STATEWISE_DEBUG=1 to see the traceback).",
            file=sys.stderr,
        )
        if os.environ.get("STATEWISE_DEBUG"):
            import traceback

            traceback.print_exc()
        return EXIT_INTERNAL
