"""``statewise validate``: check chart definitions and report every problem."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from engine.errors import Diagnostic
    from engine.model import Chart

__all__ = ["add_parser", "github_data", "github_property", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    v = sub.add_parser(
        "validate",
        help="check chart definitions and report every problem",
        description="Check chart definitions (files or folders) and report every problem "
        "as FILE:LINE:COL: CODE message. Codes are listed in docs/errors.md.",
    )
    v.add_argument(
        "paths",
        nargs="+",
        type=flow_path,
        metavar="PATH",
        help="a chart file or a folder of charts (builtin: names the shipped flows)",
    )
    v.add_argument("--format", choices=["text", "json", "github"], default="text")
    v.add_argument("--strict", action="store_true", help="fail on warnings too")
    v.add_argument(
        "--stage",
        choices=["yaml", "schema", "model", "all"],
        default="all",
        help="stop after this stage (default: all checks)",
    )
    v.add_argument("--no-source", action="store_true", help="do not print the source excerpt")
    v.add_argument(
        "--db",
        metavar="URL",
        help="also compare each chart with the versions in this database: a changed meaning "
        "under a version the database has is E600 (or W600 when no instance uses it)",
    )
    v.set_defaults(handler=run)


def _print_json(diagnostics: list[Diagnostic], files: int) -> None:
    from engine.jsonvalues import dumps

    rows = [
        {
            "file": d.span.file if d.span else None,
            "line": d.span.line if d.span else None,
            "column": d.span.col if d.span else None,
            "end_line": d.span.end_line if d.span else None,
            "end_column": d.span.end_col if d.span else None,
            "code": d.code,
            "severity": d.severity.value,
            "message": d.message,
            "path": d.path,
        }
        for d in diagnostics
    ]
    print(dumps({"files": files, "diagnostics": rows}))


def github_data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped (GitHub's toolkit rules)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """A workflow command's property value: also ``:`` and ``,``, which end a property."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def _print_github(diagnostics: list[Diagnostic]) -> None:
    for d in diagnostics:
        level = "error" if d.is_error else "warning"
        props = []
        if d.span:
            props += [
                f"file={github_property(d.span.file)}",
                f"line={d.span.line}",
                f"col={d.span.col}",
                f"endLine={d.span.end_line}",
                f"endColumn={d.span.end_col}",
            ]
        props.append(f"title={github_property(d.code)}")
        msg = d.message + (f" (at {d.path})" if d.path else "")
        print(f"::{level} {','.join(props)}::{github_data(msg)}")


def _against_store(url: str, charts: list[Chart]) -> list[Diagnostic] | int:
    """E600/W600 from the database at ``url``, or the exit code after saying why it cannot
    be read (2: a URL statewise cannot use; 1: the database is away or not upgraded)."""
    from engine.cli.tools import CommandError, opened
    from engine.errors import StatewiseError
    from engine.ops.versions import check_against_store

    try:
        with opened(argparse.Namespace(db=url)) as store:
            return check_against_store(store, charts)
    except CommandError as exc:
        print(f"statewise validate: {exc}", file=sys.stderr)
        return exc.code
    except StatewiseError as exc:
        print(f"statewise validate: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS


def run(args: argparse.Namespace) -> int:
    from engine.loader import Stage, validate_path
    from engine.loader.references import check_references

    files, missing = find_files(args.paths, is_chart_file)
    if report_missing(missing):
        return EXIT_USAGE
    diagnostics: list[Diagnostic] = []
    charts = []
    for f in files:
        result = validate_path(f, stage=Stage(args.stage))
        diagnostics.extend(result.diagnostics)
        if result.chart is not None:
            charts.append(result.chart)
    if args.stage == "all":
        diagnostics.extend(check_references(charts))
    if args.db:
        found = _against_store(args.db, charts)
        if isinstance(found, int):
            return found
        diagnostics.extend(found)
    diagnostics.sort(key=lambda d: d.sort_key())
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    if args.format == "json":
        _print_json(diagnostics, len(files))
    elif args.format == "github":
        _print_github(diagnostics)
    else:
        print_diagnostics(diagnostics, show_source=not args.no_source)
        summary = f"{len(files)} file{'s' if len(files) != 1 else ''} checked: "
        summary += f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
        print(summary, file=sys.stderr)
    if errors or (args.strict and warnings):
        return EXIT_PROBLEMS
    return EXIT_OK
