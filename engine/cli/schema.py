"""``statewise schema [-o FILE]``: the JSON Schema of chart files, for editors and tools.

Editors with the YAML language server (VS Code's YAML extension, Neovim's yamlls) complete
keys and flag misspelled ones from it: write it into your repository (``statewise init``
does) and point a modeline at it, ``# yaml-language-server: $schema=<relative path>``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS

__all__ = ["add_parser", "run", "schema_text"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "schema",
        help="print (or write) the JSON Schema of chart files, for editors",
        description="Print the JSON Schema (draft 2020-12) chart files follow, or write it "
        "to FILE. Point the YAML language server at it with the modeline "
        "'# yaml-language-server: $schema=<path relative to the chart>' (docs/editing.md).",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write it here instead of stdout")
    p.set_defaults(handler=run)


def schema_text() -> str:
    """The bundled schema, as shipped in the package."""
    from importlib import resources

    return resources.files("engine.schemas").joinpath("statechart.schema.json").read_text("utf-8")


def run(args: argparse.Namespace) -> int:
    text = schema_text()
    if not args.output:
        sys.stdout.write(text)
        return EXIT_OK
    target = Path(args.output)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"statewise schema: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{target}: the statewise chart schema", file=sys.stderr)
    return EXIT_OK
