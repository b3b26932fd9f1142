"""``statewise docs``: one Markdown page per chart (diagram, states, transitions, timers,
notifications) plus an index page, ready for MkDocs."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from engine.cli.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    find_files,
    is_chart_file,
    print_diagnostics,
    report_missing,
)
from engine.flows import flow_path

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    d = sub.add_parser(
        "docs",
        help="write documentation pages (Markdown + SVG) for charts",
        description="Write one Markdown page per chart (the diagram as SVG and as Mermaid, "
        "the states, transitions, timers and notifications) and an index page into DIR. "
        "Fragments are skipped. The SVG files need the Graphviz 'dot' program (or use --no-svg).",
    )
    d.add_argument(
        "paths",
        nargs="+",
        type=flow_path,
        metavar="PATH",
        help="a chart file or a folder of charts (builtin: names the shipped flows)",
    )
    d.add_argument("-o", "--output", metavar="DIR", required=True, help="where to write the pages")
    d.add_argument("--no-svg", action="store_true", help="do not draw SVG files (no dot needed)")
    d.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from engine.cli.render import require_dot
    from engine.loader import validate_path

    files, missing = find_files(args.paths, is_chart_file)
    if report_missing(missing):
        return EXIT_USAGE
    charts = []
    problems = []
    for f in files:
        result = validate_path(f)
        if any(d.is_error for d in result.diagnostics):
            problems.extend(result.diagnostics)
        elif result.chart is not None:  # fragments have no chart of their own
            charts.append(result.chart)
    if problems:
        with contextlib.redirect_stdout(sys.stderr):
            print_diagnostics(sorted(problems, key=lambda d: d.sort_key()))
        print("statewise: definition errors; no pages written", file=sys.stderr)
        return EXIT_PROBLEMS
    if not charts:
        print("statewise: error: no charts found", file=sys.stderr)
        return EXIT_USAGE
    if not args.no_svg and not require_dot("svg"):
        return EXIT_PROBLEMS
    from renderers import build_docs

    out = Path(args.output)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"statewise: error: cannot write pages to {out}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    build_docs(charts, out, svg=not args.no_svg, root=Path.cwd())
    print(f"wrote {len(charts)} chart page{'s' if len(charts) != 1 else ''} and index.md to {out}")
    return EXIT_OK
