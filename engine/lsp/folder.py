"""The charts of a folder as ``statewise validate FOLDER`` sees them, kept up to date as
files are edited: the same loader calls (``validate_path``, or ``validate_text`` for a
buffer not saved yet) and the same cross-chart check, so an editor shows exactly the
diagnostics the command prints, for every chart, fragment and template file.

Only what an edit can change is checked again: the edited chart, or the charts that include
an edited fragment or use an edited template file. Every open buffer is read as typed: a
chart's, and a fragment's, template file's or policy file's that a chart names (through
:func:`engine.loader.files.reading_buffers`); other files as saved.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from engine.discovery import find_files, is_chart_file
from engine.errors import Diagnostic
from engine.expr import FunctionRegistry
from engine.loader import LoadResult, validate_path, validate_text
from engine.loader.files import reading_buffers
from engine.loader.references import check_references
from engine.loader.yaml_source import Document, parse_yaml
from engine.model import Chart

__all__ = ["Folder", "normal"]


def normal(path: str | Path) -> str:
    """One spelling per file: absolute, with ``..`` resolved."""
    return os.path.normpath(os.path.abspath(str(path)))


class Folder:
    """The charts under ``root`` and what ``validate`` reports for each file."""

    def __init__(self, root: Path, functions: FunctionRegistry | None = None) -> None:
        self.root = root
        self.functions = functions
        #: open buffers: file -> text as typed
        self.buffers: dict[str, str] = {}
        #: chart (or fragment) file -> its last result
        self.results: dict[str, LoadResult] = {}
        #: chart file -> the last draft that could be built (survives a broken edit)
        self.drafts: dict[str, Chart] = {}

    # -- what to check ----------------------------------------------------------------
    def chart_files(self) -> list[str]:
        found, _ = find_files([str(self.root)], is_chart_file)
        return [normal(p) for p in found]

    def dependents(self, file: str) -> list[str]:
        """The chart files whose result depends on ``file`` (itself when it is one)."""
        file = normal(file)
        out = [f for f, r in self.results.items() if f == file or file in self._inputs(r)]
        if not out and is_chart_file(Path(file)) and self._inside(file):
            out = [file]
        return out

    def _inside(self, file: str) -> bool:
        return file.startswith(normal(self.root) + os.sep)

    @staticmethod
    def _inputs(result: LoadResult) -> set[str]:
        chart = result.draft
        if chart is None:
            return set()
        files = {normal(s) for s in chart.sources}
        files |= {normal(t.body_file) for t in chart.templates.values() if t.body_file}
        return files

    # -- checking -----------------------------------------------------------------------
    def check(self, files: Iterable[str] | None = None) -> None:
        """Validate ``files`` (default: every chart of the folder) as ``validate`` would."""
        if files is None:
            wanted = self.chart_files()
            self.results = {f: r for f, r in self.results.items() if f in wanted}
        else:
            wanted = list(files)
        with reading_buffers(self.buffers):  # fragments and template files as typed too
            for file in wanted:
                text = self.buffers.get(file)
                if text is not None:
                    result = validate_text(text, file, functions=self.functions)
                elif Path(file).is_file():
                    result = validate_path(file, functions=self.functions)
                else:
                    self.results.pop(file, None)
                    continue
                self.results[file] = result
                if result.draft is not None:
                    self.drafts[file] = result.draft

    def diagnostics(self) -> dict[str, list[Diagnostic]]:
        """File -> its diagnostics, sorted as ``validate`` sorts them."""
        found: list[Diagnostic] = []
        for result in self.results.values():
            found.extend(result.diagnostics)
        charts = [r.chart for r in self.results.values() if r.chart is not None]
        found.extend(check_references(charts))
        by_file: dict[str, list[Diagnostic]] = {}
        for d in sorted(found, key=lambda d: d.sort_key()):
            by_file.setdefault(normal(d.span.file) if d.span else "", []).append(d)
        by_file.pop("", None)
        return by_file

    # -- what editors ask about ----------------------------------------------------------
    def draft(self, file: str) -> Chart | None:
        """The chart of ``file`` as last built (a chart that includes it, for a fragment)."""
        file = normal(file)
        if file in self.drafts:
            return self.drafts[file]
        for chart_file in self.dependents(file):
            if chart_file in self.drafts:
                return self.drafts[chart_file]
        return None

    def document(self, file: str) -> Document | None:
        """The YAML document of ``file`` (its buffer when open), with positions."""
        file = normal(file)
        text = self.buffers.get(file)
        if text is None:
            try:
                text = Path(file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return None
        doc, _ = parse_yaml(text, file)
        return doc

    def charts(self) -> list[Chart]:
        return list(self.drafts.values())
