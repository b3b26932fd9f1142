"""Shared pieces of the command line: exit codes and the argument parser class."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

__all__ = ["EXIT_INTERNAL", "EXIT_OK", "EXIT_PROBLEMS", "EXIT_USAGE", "Parser"]

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
