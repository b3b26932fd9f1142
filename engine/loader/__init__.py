"""YAML text -> Chart, stage by stage: yaml -> includes -> schema -> build -> checks.

Each stage can be run on its own (``stage=``), which ``statewise validate --stage``
uses. Every stage collects all its problems; the next stage runs only when the
previous one left no errors.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from engine.errors import DefinitionError, Diagnostic
from engine.expr import FunctionRegistry
from engine.loader.build import build_chart
from engine.loader.include import resolve_includes
from engine.loader.schema import validate_schema
from engine.loader.yaml_source import Document, parse_yaml, read_yaml_file
from engine.model import Chart

__all__ = ["LoadResult", "Stage", "load_chart", "load_text", "validate_path"]


class Stage(StrEnum):
    YAML = "yaml"
    SCHEMA = "schema"
    MODEL = "model"
    ALL = "all"


@dataclass(slots=True)
class LoadResult:
    chart: Chart | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chart is not None and not any(d.is_error for d in self.diagnostics)


def _run(
    doc: Document | None,
    diagnostics: list[Diagnostic],
    stage: Stage,
    functions: FunctionRegistry | None,
) -> LoadResult:
    if doc is None or any(d.is_error for d in diagnostics) or stage is Stage.YAML:
        return LoadResult(None, diagnostics)
    if not isinstance(doc.data, dict):
        from engine.errors import Severity

        diagnostics.append(
            Diagnostic(
                "E004",
                Severity.ERROR,
                "the document is not a mapping; expected a chart definition with id, version and states",
                doc.span(()),
            )
        )
        return LoadResult(None, diagnostics)
    if doc.data.get("fragment") is True:
        # On its own a fragment gets its shape checked; its includes, names and expressions
        # are checked as part of each chart that includes it (so each problem is told once).
        diagnostics.extend(validate_schema(doc))
        return LoadResult(None, diagnostics)
    doc, sources = resolve_includes(doc, diagnostics)
    diagnostics.extend(validate_schema(doc))
    if any(d.is_error for d in diagnostics) or stage is Stage.SCHEMA:
        return LoadResult(None, diagnostics)
    chart = build_chart(doc, sources, diagnostics, functions)
    if chart is None or stage is Stage.MODEL:
        return LoadResult(chart, diagnostics)
    from engine.analysis import analyze
    from engine.notify.templates import check_templates

    diagnostics.extend(check_templates(chart))
    diagnostics.extend(analyze(chart))
    return LoadResult(chart, diagnostics)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a chart is built.

    Loading allocates tens of thousands of small acyclic objects (positions, AST nodes,
    closures); with the collector running, its generation-2 passes over that growing heap
    took two thirds of the time of loading a 500-state chart. Reference counting still
    frees everything as usual; the collector resumes (in its previous state) afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _root(root: str | Path | None) -> str | None:
    return None if root is None else str(root)


def validate_path(
    path: str | Path,
    *,
    stage: Stage = Stage.ALL,
    functions: FunctionRegistry | None = None,
    root: str | Path | None = None,
) -> LoadResult:
    """Load a chart file and report every problem; never raises for a bad definition.

    Files the chart names (fragments, template bodies) must be inside its definitions
    folder: ``root`` if given, else the folder that holds the chart file.
    """
    with _gc_paused():
        doc, diagnostics = read_yaml_file(Path(path), root=_root(root))
        return _run(doc, diagnostics, stage, functions)


def load_text(
    text: str,
    file: str = "<text>",
    *,
    functions: FunctionRegistry | None = None,
    root: str | Path | None = None,
) -> Chart:
    """Load a chart from YAML text; raises :class:`DefinitionError` with every problem.

    ``file`` names the text in messages; files it names are looked up relative to it and
    must be inside ``root`` (default: the folder of ``file``, the current folder for
    ``<text>``).
    """
    with _gc_paused():
        doc, diagnostics = parse_yaml(text, file, root=_root(root))
        result = _run(doc, diagnostics, Stage.ALL, functions)
    if not result.ok or result.chart is None:
        raise DefinitionError(result.diagnostics)
    return result.chart


def load_chart(
    path: str | Path,
    *,
    functions: FunctionRegistry | None = None,
    root: str | Path | None = None,
) -> Chart:
    """Load and check a chart file; raises :class:`DefinitionError` listing every problem.

    Warnings do not stop loading; they stay available through :func:`validate_path`.
    ``root`` as for :func:`validate_path`.
    """
    result = validate_path(path, functions=functions, root=root)
    if not result.ok or result.chart is None:
        raise DefinitionError(result.diagnostics)
    return result.chart
