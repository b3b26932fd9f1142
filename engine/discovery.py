"""Finding chart and scenario files in the folders a person names (a leaf module: it
imports nothing of the project, so the CLI can use it while building its parser)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["find_files", "is_chart_file", "is_scenario_file"]

_SCENARIO_SUFFIXES = (".scenario.yaml", ".scenario.yml")
#: data files a chart names (a notification policy), not charts
_DATA_SUFFIXES = (".policy.yaml", ".policy.yml")


def is_scenario_file(path: Path) -> bool:
    return path.name.endswith(_SCENARIO_SUFFIXES)


def is_chart_file(path: Path) -> bool:
    """A YAML file that is not a scenario or a policy (charts and fragments)."""
    return (
        path.suffix in (".yaml", ".yml")
        and not is_scenario_file(path)
        and not path.name.endswith(_DATA_SUFFIXES)
    )


def find_files(
    paths: Sequence[str], accept: Callable[[Path], bool]
) -> tuple[list[Path], list[str]]:
    """The files named, and those ``accept`` takes in the folders named (recursively,
    sorted); plus the paths that do not exist.

    A file found in a folder that is a symbolic link out of it is skipped (and said so on
    standard error): a definitions folder must not pull in, and print parts of, files from
    elsewhere on the machine.
    """
    files: list[Path] = []
    missing: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            inside = p.resolve()
            for f in sorted(p.rglob("*")):
                if not (f.is_file() and accept(f)):
                    continue
                if not f.resolve().is_relative_to(inside):
                    print(f"statewise: skipping {f}: a symbolic link out of {raw}", file=sys.stderr)
                    continue
                files.append(f)
        elif p.is_file():
            files.append(p)
        else:
            missing.append(raw)
    return files, missing
