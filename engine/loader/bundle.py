"""A chart's files as one value, and a chart loaded back from it.

A version's definition is kept in the store as a *bundle* (the chart file, the fragments
it includes and its template files, by path relative to their common folder), so that an
instance can run on its version after the files on disk have moved on. Loading writes the
files into a private temporary folder and loads the chart from there: includes and
template files resolve exactly as they did, and nothing outside that folder is read.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from engine.errors import DefinitionError
from engine.expr import FunctionRegistry
from engine.model import Chart

__all__ = ["bundle_of", "load_bundle"]


def bundle_of(chart: Chart) -> dict[str, Any] | None:
    """``{"chart": relative path, "files": {relative path: text}}``, or None when the chart
    was not loaded from files (``load_text``) or a file can no longer be read."""
    paths = [chart.file, *chart.sources[1:]]
    paths += [t.body_file for t in chart.templates.values() if t.body_file]
    absolute = [os.path.abspath(p) for p in dict.fromkeys(paths)]
    if not all(os.path.isfile(p) for p in absolute):
        return None
    base = os.path.commonpath([os.path.dirname(p) for p in absolute])
    files: dict[str, str] = {}
    try:
        for p in absolute:
            files[Path(os.path.relpath(p, base)).as_posix()] = Path(p).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    chart_path = Path(os.path.relpath(os.path.abspath(chart.file), base)).as_posix()
    return {"chart": chart_path, "files": files}


def load_bundle(
    bundle: Mapping[str, Any], version: int, *, functions: FunctionRegistry | None = None
) -> Chart:
    """The chart a bundle holds, as version ``version``; DefinitionError if it does not load
    (or ValueError for a bundle that is not one)."""
    from engine.loader import load_chart

    files = bundle.get("files")
    entry = bundle.get("chart")
    if not isinstance(files, Mapping) or not isinstance(entry, str) or entry not in files:
        raise ValueError("not a chart bundle: expected {chart: path, files: {path: text}}")
    with tempfile.TemporaryDirectory(prefix="statewise-version-") as tmp:
        root = Path(tmp).resolve()
        for name, text in files.items():
            target = (root / str(name)).resolve()
            if not target.is_relative_to(root):
                raise ValueError(f"bundle path {name!r} leaves the bundle's folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(str(text), encoding="utf-8")
        try:
            # the bundle's folder is the definitions folder: its files may sit above the chart
            chart = load_chart(root / entry, functions=functions, root=root)
        except DefinitionError:
            raise
    return replace(chart, version=version, file=entry)
