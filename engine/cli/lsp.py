"""``statewise lsp``: the language server on standard input and output (docs/editing.md).

Editors start it and talk the Language Server Protocol to it: diagnostics exactly as
``statewise validate`` reports them, completion, hover, go to definition and the state
outline. The LSP stack is imported only when this command runs.
"""

from __future__ import annotations

import argparse

from engine.cli.common import EXIT_OK

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "lsp",
        help="the language server for editors (over stdio)",
        description="Run the statewise language server on standard input and output, for "
        "editors (VS Code, Neovim...: docs/editing.md). It reports what 'statewise "
        "validate' reports as you type, and completes, explains and navigates charts.",
    )
    p.add_argument("--stdio", action="store_true", help="talk over stdio (the default)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from engine.lsp.server import serve

    serve()
    return EXIT_OK
