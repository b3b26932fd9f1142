"""``statewise diff``: what changed between two versions of a chart."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from engine.cli.render import (
    format_for,
    load_chart_reporting,
    output_problem,
    require_dot,
    write_output,
)

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    d = sub.add_parser(
        "diff",
        help="compare two versions of a chart: changelog and a coloured diagram",
        description="Compare two versions of a chart. The changelog (a Markdown list of added, "
        "removed and changed states and transitions) goes to stdout; with -o FILE the diagram "
        "of both versions, coloured green (added), red (removed) and orange (changed), is "
        "written to FILE (format from the suffix: .svg, .png, .pdf, .dot).",
    )
    d.add_argument("old", metavar="OLD", help="the earlier chart file")
    d.add_argument("new", metavar="NEW", help="the later chart file")
    d.add_argument("-o", "--output", metavar="FILE", help="write the diff diagram here")
    d.add_argument("--format", choices=["svg", "png", "pdf", "dot"], help="diagram format")
    d.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    fmt = format_for(args.format, args.output)
    if fmt == "mermaid":
        print("statewise: error: the diff diagram needs a Graphviz format", file=sys.stderr)
        return EXIT_USAGE
    problem = output_problem(args.output)
    for name in (args.old, args.new):
        if problem is None and not Path(name).is_file():
            problem = f"no such file: {name}"
    if problem is not None:
        print(f"statewise: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    old = load_chart_reporting(args.old)
    new = load_chart_reporting(args.new) if old is not None else None
    if old is None or new is None:
        return EXIT_PROBLEMS
    if args.output and not require_dot(fmt):
        return EXIT_PROBLEMS
    from renderers import RenderError, diff_charts, render

    diff = diff_charts(old, new)
    print(diff.changelog(), end="")
    if not args.output:
        return EXIT_OK
    try:
        data = render(diff.merged, fmt, decorations=diff.decorations)
    except RenderError as exc:
        print(f"statewise: error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    return write_output(data, fmt, args.output)
