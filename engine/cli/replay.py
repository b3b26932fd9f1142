"""``statewise replay``: what a candidate chart would have done with the stored instances.

``statewise replay --db URL CANDIDATE.yaml [--chart ID] [--state S] [--status active|done]
[--since DATE] [--limit N] [--map OLD=NEW ...] [--app MODULE:FUNCTION] [--format text|json]
[--diagram FILE]``: each selected instance's recorded history (start context, events,
task outcomes, timer firings) runs through the candidate in memory, on its recorded times;
nothing is written. Exit 0 when every instance did the same, 1 when any diverged or was
refused (or the candidate has errors), 2 for usage errors. The work is
:func:`engine.ops.replay.replay`; semantics in docs/replay.md.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE
from engine.cli.tools import CommandError, add_db, opened, print_json, print_table, run_command

if TYPE_CHECKING:
    from engine.model import Chart
    from engine.replay import Comparer, Report

__all__ = ["add_parser", "run"]

#: non-identical instances listed one per line (the rest are counted)
LISTED = 200


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "replay",
        help="replay stored history against a candidate chart before deploying it",
        description="Re-run the recorded history of the stored instances of a chart (start "
        "context, events with their data, actor and roles, task outcomes, timer firings) "
        "through CANDIDATE in memory, on the recorded times, and report where it would have "
        "done something else. Nothing is written to the database. Exit 0: every instance "
        "did the same; 1: some diverged or were refused; 2: usage error.",
    )
    p.add_argument("candidate", metavar="CANDIDATE", help="the candidate chart file")
    add_db(p)
    p.add_argument("--chart", metavar="ID", help="the stored chart (default: the candidate's id)")
    p.add_argument("--state", metavar="S", help="only instances now in state S (or below it)")
    p.add_argument("--status", choices=["active", "done"], help="only running or finished ones")
    p.add_argument("--since", metavar="DATE", help="only instances started at DATE or later")
    p.add_argument("--limit", type=int, metavar="N", help="at most N instances (oldest first)")
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="a state mapping, as 'statewise migrate' takes it (repeat)",
    )
    p.add_argument(
        "--app",
        metavar="MODULE:FUNCTION",
        help="the application hook that provides functions the chart calls",
    )
    p.add_argument("--format", choices=["text", "json"], default="text", help="output (text)")
    p.add_argument(
        "--diagram",
        metavar="FILE",
        help="write the candidate's diagram with the first divergences as a heat map "
        "(SVG, PNG, PDF or DOT, by the suffix)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("replay", args, _run)


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--since {text!r}: expected a date or time such as 2026-11-23 or "
            "2026-11-23T08:00:00+01:00",
            EXIT_USAGE,
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _mapping(items: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items:
        old, sep, new = item.partition("=")
        if not sep or not old or not new:
            raise CommandError(f"--map {item!r}: expected OLD=NEW", EXIT_USAGE)
        mapping[old] = new
    return mapping


def _run(args: argparse.Namespace) -> int:
    from engine.cli.progress import Progress
    from engine.cli.render import format_for, load_chart_reporting, require_dot
    from engine.ops.replay import replay
    from engine.ops.setup import load_app

    since, mapping = _since(args.since), _mapping(args.map)
    if not Path(args.candidate).is_file():
        raise CommandError(f"no such file: {args.candidate}", EXIT_USAGE)
    if args.diagram:
        fmt = format_for(None, args.diagram)
        if fmt not in ("svg", "png", "pdf", "dot"):
            raise CommandError(
                f"--diagram {args.diagram}: the heat map needs a Graphviz format; "
                "expected a file ending in .svg, .png, .pdf or .dot",
                EXIT_USAGE,
            )
        if not require_dot(fmt):
            return EXIT_PROBLEMS
    functions = load_app(args.app).functions if args.app else None
    candidate = load_chart_reporting(args.candidate, functions)
    if candidate is None:
        return EXIT_PROBLEMS
    progress = Progress("instances replayed")
    with opened(args) as store:
        try:
            report = replay(
                store,
                candidate,
                chart=args.chart,
                state=args.state,
                status=args.status,
                since=since,
                limit=args.limit,
                mapping=mapping,
                functions=functions,
                progress=progress,
            )
        finally:
            progress.close()
    if args.diagram:
        _diagram(candidate, report, args.diagram)
    if args.format == "json":
        print_json(report.to_json())
    else:
        _text(report, candidate, args.candidate)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def _diagram(candidate: Chart, report: Report, path: str) -> None:
    from engine.cli.render import format_for
    from renderers import DivergencePoint, RenderError, build_diagram, divergence_map, render

    points = [
        DivergencePoint(
            g.state,
            g.event,
            g.example.first.to_states if g.example.first else (),
            g.example.first.focus if g.example.first else (),
            g.diverged,
            g.refused,
        )
        for g in report.groups()
    ]
    diagram = build_diagram(candidate)
    decorations = divergence_map(diagram, points, replayed=len(report.results))
    try:
        data = render(diagram, format_for(None, path), decorations=decorations)
    except RenderError as exc:
        raise CommandError(str(exc)) from exc
    Path(path).write_bytes(data)


def _text(report: Report, candidate: Chart, path: str) -> None:
    from engine.model.mapping import StateMap
    from engine.replay import Comparer

    names = Comparer(candidate, StateMap((), candidate, {}))
    counts = report.counts()
    print(
        f"{report.chart}: {len(report.results)} instance(s) replayed against version "
        f"{report.version} ({path})"
    )
    print(", ".join(f"{n} {outcome}" for outcome, n in counts.items()))
    for warning in report.warnings:
        print(f"warning: {warning}")
    groups = report.groups()
    if groups:
        print("\nWhere instances first part from their history:")
        print_table(
            ["STATE", "EVENT", "DIVERGED", "REFUSED", "EXAMPLE"],
            [
                (
                    names.names(g.state),
                    g.event,
                    g.diverged,
                    g.refused,
                    g.example.key or g.example.id,
                )
                for g in groups
            ],
        )
        for g in groups:
            _example(g.example, names)
        parted = [r for r in report.results if r.outcome in ("diverged", "refused")]
        print(f"\nInstances that part from their history ({len(parted)}):")
        print_table(
            ["KEY", "ID", "OUTCOME", "STEP", "EVENT", "WHAT DIFFERS"],
            [
                (
                    r.key or "",
                    r.id,
                    r.outcome,
                    "" if r.first is None or r.first.seq is None else r.first.seq,
                    "" if r.first is None else r.first.event,
                    _what(r.first),
                )
                for r in parted[:LISTED]
            ],
        )
        if len(parted) > LISTED:
            print(f"... and {len(parted) - LISTED} more (--format json lists every instance)")
    skipped = [r for r in report.results if r.outcome == "skipped"]
    reasons: dict[str, list[str]] = {}
    for r in skipped:
        reasons.setdefault(r.reason or "", []).append(r.key or r.id)
    for reason, which in reasons.items():
        shown = ", ".join(which[:5]) + (f" and {len(which) - 5} more" if len(which) > 5 else "")
        print(f"\n{len(which)} instance(s) not replayed ({shown}): {reason}")


def _what(first: object) -> str:
    from engine.replay import Divergence

    if not isinstance(first, Divergence):
        return ""
    if first.blockers:
        return "refused"
    return ", ".join(dict.fromkeys(d.aspect for d in first.differences))


def _example(example: object, names: Comparer) -> None:
    from engine.replay import InstanceResult

    assert isinstance(example, InstanceResult) and example.first is not None
    d = example.first
    step = f"step {d.seq}" if d.seq is not None else "after the last step"
    print(
        f"\n{example.key or example.id} ({example.id}), {step}, {d.event} at "
        f"{d.time:%Y-%m-%d %H:%M} in {names.names(d.state)}:"
    )
    for reason in d.blockers:
        print(f"  refused: {reason}")
    for x in d.differences:
        print(f"  {x.aspect}: {x.text}")
