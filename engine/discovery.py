"""Finding chart and scenario files in the folders a person names (a leaf module: it
imports nothing of the project, so the CLI can use it while building its parser)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["find_files", "is_chart_file", "is_scenario_file"]

_SCENARIO_SUFFIXES = (".scenario.yaml", ".scenario.yml")


def is_scenario_file(path: Path) -> bool:
    return path.name.endswith(_SCENARIO_SUFFIXES)


def is_chart_file(path: Path) -> bool:
    """A YAML file that is not a scenario (charts and fragments)."""
    return path.suffix in (".yaml", ".yml") and not is_scenario_file(path)


def find_files(
    paths: Sequence[str], accept: Callable[[Path], bool]
) -> tuple[list[Path], list[str]]:
    """The files named, and those ``accept`` takes in the folders named (recursively,
    sorted); plus the paths that do not exist."""
    files: list[Path] = []
    missing: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files.extend(f for f in sorted(p.rglob("*")) if f.is_file() and accept(f))
        elif p.is_file():
            files.append(p)
        else:
            missing.append(raw)
    return files, missing
