"""The ``statewise`` command line: the composition root.

Exit codes (documented in docs/cli.md):

* 0: success (``validate``: no errors; warnings allowed unless ``--strict``)
* 1: the input has problems (definition errors, failing scenarios)
* 2: usage errors (unknown option, missing file)
* 3: an internal error (a bug in statewise; the message says where to report it)

Heavy libraries are imported inside the commands, so ``statewise --help`` stays fast
and commands that do not touch a database never import SQLAlchemy.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from engine.errors import Diagnostic

__all__ = ["main"]

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

_CHART_SUFFIXES = (".yaml", ".yml")
_NOT_CHARTS = (".scenario.yaml", ".scenario.yml")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="statewise",
        description="Declarative workflow engine: YAML state charts, checked and run.",
        epilog="Exit codes: 0 success, 1 problems found in the input, 2 usage error, 3 internal error.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    v = sub.add_parser(
        "validate",
        help="check chart definitions and report every problem",
        description="Check chart definitions (files or folders) and report every problem "
        "as FILE:LINE:COL: CODE message. Codes are listed in docs/errors.md.",
    )
    v.add_argument("paths", nargs="+", metavar="PATH", help="a chart file or a folder of charts")
    v.add_argument("--format", choices=["text", "json", "github"], default="text")
    v.add_argument("--strict", action="store_true", help="fail on warnings too")
    v.add_argument(
        "--stage",
        choices=["yaml", "schema", "model", "all"],
        default="all",
        help="stop after this stage (default: all checks)",
    )
    v.add_argument("--no-source", action="store_true", help="do not print the source excerpt")
    return parser


def _chart_files(paths: Sequence[str]) -> tuple[list[Path], list[str]]:
    files: list[Path] = []
    missing: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.name.endswith(_CHART_SUFFIXES) and not f.name.endswith(_NOT_CHARTS):
                    files.append(f)
        elif p.is_file():
            files.append(p)
        else:
            missing.append(raw)
    return files, missing


def _print_text(diagnostics: list[Diagnostic], show_source: bool) -> None:
    from engine.source import excerpt

    texts: dict[str, str] = {}
    for d in diagnostics:
        print(d.format())
        if show_source and d.span is not None:
            if d.span.file not in texts:
                try:
                    texts[d.span.file] = Path(d.span.file).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    texts[d.span.file] = ""
            snippet = excerpt(texts[d.span.file], d.span)
            if snippet:
                print(snippet)


def _print_json(diagnostics: list[Diagnostic], files: int) -> None:
    import json

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
    json.dump({"files": files, "diagnostics": rows}, sys.stdout, indent=2)
    print()


def _print_github(diagnostics: list[Diagnostic]) -> None:
    def esc(s: str) -> str:
        return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    for d in diagnostics:
        level = "error" if d.is_error else "warning"
        where = ""
        if d.span:
            where = (
                f" file={esc(d.span.file)},line={d.span.line},col={d.span.col},"
                f"endLine={d.span.end_line},endColumn={d.span.end_col},"
            )
        else:
            where = " "
        msg = d.message + (f" (at {d.path})" if d.path else "")
        print(f"::{level}{where}title={d.code}::{esc(msg)}")


def _cmd_validate(args: argparse.Namespace) -> int:
    from engine.loader import Stage, validate_path
    from engine.loader.references import check_references

    files, missing = _chart_files(args.paths)
    for m in missing:
        print(f"statewise: error: no such file or folder: {m}", file=sys.stderr)
    if missing:
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
    diagnostics.sort(key=lambda d: d.sort_key())
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    if args.format == "json":
        _print_json(diagnostics, len(files))
    elif args.format == "github":
        _print_github(diagnostics)
    else:
        _print_text(diagnostics, not args.no_source)
        summary = f"{len(files)} file{'s' if len(files) != 1 else ''} checked: "
        summary += f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
        print(summary, file=sys.stderr)
    if errors or (args.strict and warnings):
        return EXIT_PROBLEMS
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    handlers = {"validate": _cmd_validate}
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug in statewise: no traceback for users, but say so
        import traceback

        print(
            f"statewise: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in statewise; please report it with the input that caused it.",
            file=sys.stderr,
        )
        if "--debug" in sys.argv or __import__("os").environ.get("STATEWISE_DEBUG"):
            traceback.print_exc()
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
