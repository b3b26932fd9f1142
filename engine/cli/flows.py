"""``statewise flows``: where the shipped flows are, what they hold, a copy to adapt.

``path`` prints the folder (``builtin:`` names it in every command that takes a chart or a
definitions folder), ``list`` the charts with their scenarios, ``copy DIR`` copies the
folder so a shop can start from it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, is_chart_file, is_scenario_file

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "flows",
        help="the shipped flows (Yes!Cart, uStore, collect, ATS): path, list, copy",
        description="The flows shipped with statewise. Name them as builtin: wherever a "
        "command takes a chart or a definitions folder, e.g. `statewise validate builtin:` "
        "or `statewise worker --definitions builtin:`.",
    )
    p.add_argument(
        "action",
        choices=["path", "list", "copy"],
        help="path: print the folder; list: the charts and scenarios; copy DIR: copy them",
    )
    p.add_argument("target", nargs="?", metavar="DIR", help="where `copy` writes the flows")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from engine.flows import shipped_flows

    root = shipped_flows()
    if args.action == "path":
        print(root)
        return EXIT_OK
    if args.action == "copy":
        return _copy(root, args.target)
    if args.target:
        print("statewise flows: list takes no folder", file=sys.stderr)
        return EXIT_USAGE
    return _list(root)


def _copy(root: Path, target: str | None) -> int:
    if not target:
        print("statewise flows: copy needs a folder: statewise flows copy DIR", file=sys.stderr)
        return EXIT_USAGE
    dest = Path(target)
    if dest.exists() and not dest.is_dir():
        print(f"statewise flows: {dest} is a file; choose a new folder", file=sys.stderr)
        return EXIT_USAGE
    if dest.exists() and any(dest.iterdir()):
        print(f"statewise flows: {dest} is not empty; choose a new folder", file=sys.stderr)
        return EXIT_USAGE
    try:
        shutil.copytree(root, dest, dirs_exist_ok=True)
    except OSError as exc:
        print(f"statewise flows: cannot copy to {dest}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"copied the shipped flows to {dest}")
    return EXIT_OK


def _list(root: Path) -> int:
    from engine.loader import validate_path

    failed = False
    for system in sorted(p for p in root.iterdir() if p.is_dir()):
        print(f"{system.name}/")
        for path in sorted(system.glob("*.y*ml")):
            if not is_chart_file(path):
                continue
            result = validate_path(path)
            chart = result.chart
            if chart is None:
                failed = True
                print(f"  {path.name:<24} (does not load: run statewise validate {path})")
                continue
            title = f" - {chart.title}" if chart.title else ""
            print(f"  {path.name:<24} {chart.id} v{chart.version}{title}")
        scenarios = [p for p in system.rglob("*") if p.is_file() and is_scenario_file(p)]
        print(f"  {len(scenarios)} scenario(s) in {system.name}/scenarios")
    return EXIT_PROBLEMS if failed else EXIT_OK
