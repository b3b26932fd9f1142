"""YAML text -> Chart, stage by stage: yaml -> includes -> schema -> build -> checks.

Each stage can be run on its own (``stage=``), which ``statewise validate --stage``
uses. Every stage collects all its problems, and every stage runs on what the earlier
ones could make sense of, so one run reports them all (:mod:`.pipeline`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import DefinitionError, Diagnostic
from engine.expr import FunctionRegistry
from engine.loader.pipeline import Stage, run_stages
from engine.loader.yaml_source import Document, parse_yaml, read_yaml_file
from engine.model import Chart

__all__ = [
    "LoadResult",
    "Stage",
    "load_chart",
    "load_text",
    "validate_path",
    "validate_text",
]


@dataclass(slots=True)
class LoadResult:
    """The chart (None when the model has errors), every problem found, and the ``draft``:
    the model as far as it could be built, errors or not (for editors; never run it)."""

    chart: Chart | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    draft: Chart | None = None

    @property
    def ok(self) -> bool:
        return self.chart is not None and not any(d.is_error for d in self.diagnostics)


def _run(
    doc: Document | None,
    diagnostics: list[Diagnostic],
    stage: Stage,
    functions: FunctionRegistry | None,
    file: str,
) -> LoadResult:
    chart, draft, found = run_stages(doc, diagnostics, stage, functions, file)
    return LoadResult(chart, found, draft)


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
        return _run(doc, diagnostics, stage, functions, str(path))


def validate_text(
    text: str,
    file: str,
    *,
    stage: Stage = Stage.ALL,
    functions: FunctionRegistry | None = None,
    root: str | Path | None = None,
) -> LoadResult:
    """:func:`validate_path` for text not saved yet (an editor's buffer): ``file`` is where
    it will be saved, so includes and template files resolve next to it (inside ``root``,
    by default the folder of ``file``)."""
    with _gc_paused():
        doc, diagnostics = parse_yaml(text, file, root=_root(root))
        return _run(doc, diagnostics, stage, functions, file)


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
        result = _run(doc, diagnostics, Stage.ALL, functions, file)
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
