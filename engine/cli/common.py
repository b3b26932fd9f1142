"""Shared pieces of the command line: exit codes and the argument parser class."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from engine.discovery import find_files, is_chart_file, is_scenario_file

if TYPE_CHECKING:
    from engine.errors import Diagnostic

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_USAGE",
    "Parser",
    "find_files",
    "is_chart_file",
    "is_scenario_file",
    "print_diagnostics",
    "report_missing",
]

#: success (``validate``: no errors; warnings allowed unless ``--strict``)
EXIT_OK = 0
#: the input has problems: definition errors, failing scenarios, refused events
EXIT_PROBLEMS = 1
#: usage error: unknown option, missing file or folder
EXIT_USAGE = 2
#: an internal error: a bug in statewise
EXIT_INTERNAL = 3


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors exit with :data:`EXIT_USAGE`."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def report_missing(missing: Iterable[str]) -> bool:
    """Say which paths do not exist (a usage error); True when there were any."""
    found = False
    for m in missing:
        print(f"statewise: error: no such file or folder: {m}", file=sys.stderr)
        found = True
    return found


def print_diagnostics(diagnostics: Iterable[Diagnostic], *, show_source: bool = True) -> None:
    """``FILE:LINE:COL: CODE message``, each followed by its source line and a caret."""
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
