"""Shared pieces of the command line: exit codes and the argument parser class."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
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
    "int_in",
    "is_chart_file",
    "is_scenario_file",
    "print_diagnostics",
    "report_missing",
    "seconds",
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


def int_in(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from ``lo`` to ``hi`` (else a usage error)."""

    def whole_number(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not lo <= n <= hi:
            raise argparse.ArgumentTypeError(f"{text} is out of range; expected {lo} to {hi}")
        return n

    return whole_number


def seconds(*, zero: bool = False, most: float = 7 * 86400) -> Callable[[str], float]:
    """An argparse ``type``: a finite number of seconds, positive (or ``zero`` allowed),
    at most ``most`` (a week)."""

    def duration(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        low_ok = value >= 0 if zero else value > 0
        if not (low_ok and value <= most):  # also false for nan
            least = "0" if zero else "more than 0"
            raise argparse.ArgumentTypeError(
                f"{text} is out of range; expected {least} to {most:g} seconds"
            )
        return value

    return duration


def report_missing(missing: Iterable[str]) -> bool:
    """Say which paths do not exist (a usage error); True when there were any."""
    found = False
    for m in missing:
        print(f"statewise: error: no such file or folder: {m}", file=sys.stderr)
        found = True
    return found


def print_diagnostics(diagnostics: Iterable[Diagnostic], *, show_source: bool = True) -> None:
    """``FILE:LINE:COL: CODE message``, each followed by its source line and a caret."""
    from engine.loader.files import FileRefused, read_text
    from engine.source import excerpt

    texts: dict[str, str] = {}
    for d in diagnostics:
        print(d.format())
        if show_source and d.span is not None:
            if d.span.file not in texts:
                try:  # the same bounds as loading: no excerpt of what was refused
                    texts[d.span.file] = read_text(Path(d.span.file))
                except FileRefused:
                    texts[d.span.file] = ""
            snippet = excerpt(texts[d.span.file], d.span)
            if snippet:
                print(snippet)
