"""``statewise render CHART --instance ID`` (or ``--key K``; ``--db URL`` or ``STATEWISE_DB``):
a stored instance's path over its chart.

The instance's audit trail is read from the store and handed to the renderers as plain
``renderers.overlay.HistoryRecord`` values (renderers never touch the store).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli.common import EXIT_PROBLEMS, EXIT_USAGE

__all__ = ["render_instance"]


def render_instance(args: argparse.Namespace) -> int:
    from engine.cli.render import format_for, load_chart_reporting, require_dot, write_output
    from engine.cli.tools import CommandError, opened
    from engine.errors import StatewiseError
    from engine.ops.history import path_records
    from engine.ops.instances import find_instance
    from renderers import RenderError, build_diagram, path_overlay, render

    if not args.db:
        print(
            "statewise: error: --instance/--key need a database: --db URL or STATEWISE_DB",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.instance and args.key:
        print("statewise: error: use --instance ID or --key K, not both", file=sys.stderr)
        return EXIT_USAGE
    if args.history or args.heatmap:
        print("statewise: error: use --instance or --history/--heatmap", file=sys.stderr)
        return EXIT_USAGE
    fmt = format_for(args.format, args.output)
    if fmt == "mermaid":
        print("statewise: error: overlays need a Graphviz format (svg, png, pdf, dot)",
              file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    chart = load_chart_reporting(args.chart)
    if chart is None:
        return EXIT_PROBLEMS if Path(args.chart).is_file() else EXIT_USAGE
    try:
        with opened(args) as store:
            record = (
                find_instance(store, args.instance)
                if args.instance
                else find_instance(store, chart=chart.id, key=args.key)
            )
            trail = store.history(record.id)
    except CommandError as exc:
        print(f"statewise render: {exc}", file=sys.stderr)
        return exc.code
    except StatewiseError as exc:
        print(f"statewise render: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    if record.chart != chart.id:
        print(f"statewise render: instance {args.instance} runs chart {record.chart!r}, "
              f"not {chart.id!r}", file=sys.stderr)  # fmt: skip
        return EXIT_PROBLEMS
    records = path_records(trail)
    if not require_dot(fmt):
        return EXIT_PROBLEMS
    diagram = build_diagram(chart)
    try:
        data = render(
            diagram,
            fmt,
            decorations=path_overlay(diagram, records),
            rankdir=args.rankdir,
            legend=not args.no_legend,
        )
    except RenderError as exc:
        print(f"statewise: error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    return write_output(data, fmt, args.output)
