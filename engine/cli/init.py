"""``statewise init DIR``: scaffold a flow project (a chart, a template, scenarios, the
schema with editor settings, and a CI workflow that validates and runs the scenarios).

Nothing is overwritten: when one of the files exists already, nothing is written at all.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE

__all__ = ["add_parser", "run", "scaffold"]

SCHEMA_PATH = "schemas/statechart.schema.json"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "init",
        help="scaffold a flow project: a chart, a template, scenarios, editor settings, CI",
        description="Write a flow project into DIR: flows/order.yaml (a chart to start "
        "from), its e-mail template and scenarios, schemas/statechart.schema.json with "
        "VS Code settings (completion and checks as you type), and a GitHub Actions "
        "workflow that validates the flows and runs the scenarios. Existing files are never "
        "overwritten.",
    )
    p.add_argument("folder", metavar="DIR", help="the project folder (created if missing)")
    p.add_argument("--chart", metavar="ID", help="the chart id (default: <folder name>.order)")
    p.set_defaults(handler=run)


def _chart_id(folder: Path, given: str | None) -> str | None:
    if given is not None:
        ok = re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*", given)
        return given if ok else None
    name = re.sub(r"[^a-z0-9_]+", "_", folder.resolve().name.lower()).strip("_") or "flows"
    if not name[0].isalpha():
        name = "flows_" + name
    return f"{name}.order"


def scaffold(folder: Path, chart: str) -> list[Path]:
    """Write the project files; raise FileExistsError listing those already there."""
    from engine.cli.scaffold import FILES
    from engine.cli.schema import schema_text

    files = {name: text.format(chart=chart) for name, text in FILES.items()}
    files[SCHEMA_PATH] = schema_text()
    existing = [name for name in files if (folder / name).exists()]
    if existing:
        raise FileExistsError(", ".join(sorted(existing)))
    written = []
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def run(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    chart = _chart_id(folder, args.chart)
    if chart is None:
        print(
            f"statewise init: --chart {args.chart!r} is not a chart id; expected lowercase "
            "words joined by dots, like shop.order",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if folder.exists() and not folder.is_dir():
        print(f"statewise init: {folder} is a file, not a folder", file=sys.stderr)
        return EXIT_USAGE
    try:
        written = scaffold(folder, chart)
    except FileExistsError as exc:
        print(f"statewise init: not overwriting {exc} in {folder}; nothing written",
              file=sys.stderr)  # fmt: skip
        return EXIT_PROBLEMS
    except OSError as exc:
        print(f"statewise init: cannot write into {folder}: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    for path in written:
        print(path.relative_to(folder).as_posix())
    print(
        f"\n{folder}: a flow project for chart {chart}. Next: cd {folder} && "
        "statewise validate flows/ && statewise test flows/",
        file=sys.stderr,
    )
    return EXIT_OK
