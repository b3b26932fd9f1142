"""``statewise render``: draw a chart (DOT, SVG, PNG, PDF or Mermaid), optionally with an
instance's path or a heat map laid over it.

Also home of the helpers ``diff`` and ``docs`` share: loading a chart with its
diagnostics printed like ``statewise validate``, and the "dot is missing" message.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, print_diagnostics
from engine.flows import flow_path

if TYPE_CHECKING:
    from engine.expr import FunctionRegistry
    from engine.model import Chart
    from renderers import Decorations, Diagram

__all__ = [
    "add_parser",
    "format_for",
    "load_chart_reporting",
    "output_problem",
    "require_dot",
    "run",
    "write_output",
]

_SUFFIX_FORMATS = {
    ".svg": "svg",
    ".png": "png",
    ".pdf": "pdf",
    ".dot": "dot",
    ".gv": "dot",
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
}
_BINARY = ("png", "pdf")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    r = sub.add_parser(
        "render",
        help="draw a chart as SVG, PNG, PDF, DOT or Mermaid",
        description="Draw a chart. SVG, PNG and PDF need the Graphviz 'dot' program; DOT "
        "and Mermaid do not. The notation is explained in docs/diagrams.md.",
    )
    r.add_argument(
        "chart", type=flow_path, metavar="CHART", help="the chart file (or builtin:SYSTEM/FILE)"
    )
    r.add_argument(
        "--format",
        choices=["svg", "png", "pdf", "dot", "mermaid"],
        help="output format (default: from the -o suffix, else svg)",
    )
    r.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    r.add_argument("--rankdir", choices=["TB", "LR"], default="TB", help="layout direction")
    r.add_argument("--no-legend", action="store_true", help="leave out the legend")
    r.add_argument(
        "--history",
        metavar="FILE",
        help="overlay one instance's path: a JSON list of history records "
        "(event, from_states, to_states, time), as 'statewise history --json' prints",
    )
    r.add_argument(
        "--heatmap",
        metavar="FILE",
        help="overlay a heat map: a JSON list of record lists (or an object of them), one per instance",
    )
    r.add_argument(
        "--instance", metavar="ID", help="overlay a stored instance (in --db / $STATEWISE_DB)"
    )
    r.add_argument(
        "--key", metavar="K", help="overlay the stored instance of this chart with business key K"
    )
    r.add_argument(
        "--db",
        metavar="URL",
        default=os.environ.get("STATEWISE_DB"),
        help="the database holding the instance (default: $STATEWISE_DB)",
    )
    r.set_defaults(handler=run)


def format_for(explicit: str | None, output: str | None, default: str = "svg") -> str:
    if explicit:
        return explicit
    if output:
        return _SUFFIX_FORMATS.get(Path(output).suffix.lower(), default)
    return default


def load_chart_reporting(path: str, functions: FunctionRegistry | None = None) -> Chart | None:
    """Load a chart; on problems print them like ``statewise validate`` (to stderr)."""
    from engine.loader import validate_path

    if not Path(path).is_file():
        print(f"statewise: error: no such file: {path}", file=sys.stderr)
        return None
    result = validate_path(path, functions=functions)
    errors = [d for d in result.diagnostics if d.is_error]
    if errors:
        with contextlib.redirect_stdout(sys.stderr):
            print_diagnostics(sorted(result.diagnostics, key=lambda d: d.sort_key()))
        print(f"statewise: {path}: {len(errors)} error(s); nothing drawn", file=sys.stderr)
        return None
    if result.chart is None:
        print(f"statewise: error: {path} is a fragment, not a chart", file=sys.stderr)
    return result.chart


def require_dot(fmt: str) -> bool:
    """True when ``fmt`` can be produced; otherwise say how to install ``dot``."""
    from renderers import dot_available
    from renderers.output import BINARY_FORMATS, INSTALL_HINT

    if fmt in BINARY_FORMATS and not dot_available():
        print(f"statewise: error: {INSTALL_HINT}", file=sys.stderr)
        return False
    return True


def output_problem(output: str | None) -> str | None:
    """Why ``-o FILE`` cannot be written (checked before any work), or None."""
    if not output:
        return None
    path = Path(output)
    if path.is_dir():
        return f"-o {output} is a folder; expected a file name"
    if not path.parent.is_dir():
        return f"-o {output}: no such folder {path.parent}"
    return None


def write_output(data: bytes, fmt: str, output: str | None) -> int:
    if output:
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            print(f"statewise: error: cannot write {output}: {exc.strerror}", file=sys.stderr)
            return EXIT_USAGE
        return EXIT_OK
    if fmt in _BINARY and sys.stdout.isatty():
        print(
            f"statewise: error: not writing {fmt.upper()} to a terminal; use -o FILE",
            file=sys.stderr,
        )
        return EXIT_USAGE
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return EXIT_OK


def _overlay(args: argparse.Namespace, diagram: Diagram) -> Decorations | None:
    from renderers import heat_map, load_histories, load_history, path_overlay

    if args.history:
        records = load_history(Path(args.history).read_text(encoding="utf-8"))
        return path_overlay(diagram, records)
    if args.heatmap:
        histories = load_histories(Path(args.heatmap).read_text(encoding="utf-8"))
        return heat_map(diagram, histories)
    return None


def run(args: argparse.Namespace) -> int:
    if args.instance or args.key:  # a stored instance: its audit trail from the SQL store
        from engine.cli.render_instance import render_instance

        return render_instance(args)
    fmt = format_for(args.format, args.output)
    problem = output_problem(args.output)
    if problem is not None:
        print(f"statewise: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if args.history and args.heatmap:
        print("statewise: error: use --history or --heatmap, not both", file=sys.stderr)
        return EXIT_USAGE
    if fmt == "mermaid" and (args.history or args.heatmap):
        print(
            "statewise: error: overlays need a Graphviz format (svg, png, pdf, dot)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    for name in (args.history, args.heatmap):
        if name and not Path(name).is_file():
            print(f"statewise: error: no such file: {name}", file=sys.stderr)
            return EXIT_USAGE
    chart = load_chart_reporting(args.chart)
    if chart is None:
        return EXIT_PROBLEMS if Path(args.chart).is_file() else EXIT_USAGE
    if not require_dot(fmt):
        return EXIT_PROBLEMS
    from renderers import RenderError, build_diagram, render

    diagram = build_diagram(chart)
    try:
        decorations = _overlay(args, diagram)
    except (ValueError, KeyError, TypeError) as exc:
        print(f"statewise: error: cannot read the history records: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        data = render(
            diagram, fmt, decorations=decorations, rankdir=args.rankdir, legend=not args.no_legend
        )
    except RenderError as exc:
        print(f"statewise: error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    return write_output(data, fmt, args.output)
