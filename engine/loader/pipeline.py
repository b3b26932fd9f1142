"""The stages of the loader in order, reporting every problem of a file in one run.

YAML -> includes -> JSON Schema -> (what the schema rejected is left out, :mod:`.prune`)
-> model (names, references, expressions) -> templates -> graph analysis.

Each stage runs on whatever the earlier ones could make sense of, so schema, model,
expression and template problems are reported together. A stage that cannot run says so
with one note per file: W320 when nothing after the schema could be checked (the file is
not YAML, a fragment could not be read, the schema errors leave nothing to build), W410
when the graph checks need a chart without errors. Graph checks are the one stage that
never runs on a partial chart: a transition left out for an error would make states look
unreachable and events unused.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from engine.errors import Diagnostic, Severity
from engine.expr import FunctionRegistry
from engine.loader.build import build_draft
from engine.loader.include import resolve_includes
from engine.loader.prune import prune
from engine.loader.schema import Broken, check_schema, validate_schema
from engine.loader.yaml_source import Document, Pointer, format_path
from engine.model import Chart
from engine.source import Span

__all__ = ["Stage", "notify_data_keys", "run_stages"]


class Stage(StrEnum):
    YAML = "yaml"
    SCHEMA = "schema"
    MODEL = "model"
    ALL = "all"


def notify_data_keys(data: Any, out: dict[str, set[str]] | None = None) -> dict[str, set[str]]:
    """Template name -> the ``data`` keys every ``notify`` action in the document passes it
    (read from the document, so an action with a broken expression still counts)."""
    out = {} if out is None else out
    if isinstance(data, dict):
        spec = data.get("notify")
        if isinstance(spec, dict) and isinstance(spec.get("template"), str):
            given = spec.get("data")
            keys = out.setdefault(spec["template"], set())
            if isinstance(given, dict):
                keys.update(str(k) for k in given)
        for value in data.values():
            notify_data_keys(value, out)
    elif isinstance(data, list):
        for value in data:
            notify_data_keys(value, out)
    return out


def _note(code: str, file: str, message: str) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, Span.point(file, 1, 1))


def _not_checked(file: str, why: str) -> Diagnostic:
    return _note(
        "W320",
        file,
        f"names, references, expressions, templates and the graph were not checked: {why}; "
        "expected a file without the errors above (fix them and validate again)",
    )


def _inside(path: str, removed: Iterable[str]) -> bool:
    """Is the key path ``path`` at or below one of the ``removed`` paths?"""
    return any(path == r or path.startswith((r + ".", r + "[")) for r in removed)


def _has_error(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


Outcome = tuple[Chart | None, Chart | None, list[Diagnostic]]


def run_stages(
    doc: Document | None,
    diagnostics: list[Diagnostic],
    stage: Stage,
    functions: FunctionRegistry | None,
    file: str,
) -> Outcome:
    """Every stage that can run on ``doc``: (the chart when the model was built without
    errors, template and graph errors leave it there, ``LoadResult.ok`` tells; the draft,
    built even with errors, for tools such as the language server; the diagnostics)."""
    if doc is None:
        if stage is not Stage.YAML:
            diagnostics.append(_not_checked(file, "the file could not be read as YAML"))
        return None, None, diagnostics
    if stage is Stage.YAML:
        return None, None, diagnostics
    if not isinstance(doc.data, dict):
        diagnostics.append(
            Diagnostic(
                "E004",
                Severity.ERROR,
                "the document is not a mapping; expected a chart definition with id, version and states",
                doc.span(()),
            )
        )
        diagnostics.append(_not_checked(file, "the document is not a mapping"))
        return None, None, diagnostics
    if doc.data.get("fragment") is True:
        # On its own a fragment gets its shape checked; its includes, names and expressions
        # are checked as part of each chart that includes it (so each problem is told once).
        diagnostics.extend(validate_schema(doc))
        return None, None, diagnostics
    before = len(diagnostics)
    doc, sources = resolve_includes(doc, diagnostics)
    include_failed = _has_error(diagnostics[before:])
    found, broken = check_schema(doc)
    diagnostics.extend(found)
    if stage is Stage.SCHEMA:
        return None, None, diagnostics
    if include_failed:
        diagnostics.append(_not_checked(file, "an included fragment could not be read"))
        return None, None, diagnostics
    return _model_onwards(doc, sources, broken, diagnostics, stage, functions, file)


def _model_onwards(
    doc: Document,
    sources: list[str],
    broken: list[Broken],
    diagnostics: list[Diagnostic],
    stage: Stage,
    functions: FunctionRegistry | None,
    file: str,
) -> Outcome:
    model_doc, loose, removed = doc, frozenset[Pointer](), list[str]()
    if broken:
        pruned = prune(doc, broken)
        if pruned is None:
            why = "the schema errors leave no chart to build (a required part is missing)"
            diagnostics.append(_not_checked(file, why))
            return None, None, diagnostics
        model_doc, loose = pruned.doc, pruned.loose
        removed = [format_path(p) for p in pruned.removed]
    found: list[Diagnostic] = []
    try:
        chart, ok = build_draft(model_doc, sources, found, functions, loose)
    except Exception:
        if not broken:
            raise  # a valid document: a bug in statewise, not in the chart
        diagnostics.append(_not_checked(file, "the schema errors above get in the way"))
        return None, None, diagnostics
    diagnostics.extend(d for d in found if not _inside(d.path, removed))
    clean = ok and not _has_error(diagnostics)
    if stage is Stage.MODEL:
        return (chart if clean else None), chart, diagnostics
    if chart is not None:
        from engine.notify.templates import check_templates

        diagnostics.extend(check_templates(chart, given=notify_data_keys(doc.data)))
    if not clean or chart is None:
        diagnostics.append(
            _note(
                "W410",
                file,
                "the graph checks (unreachable states, traps, loops, shadowed transitions, "
                "unused declarations) did not run: they need a chart without errors; "
                "expected the errors above fixed (then validate again)",
            )
        )
        return None, chart, diagnostics
    from engine.analysis import analyze

    diagnostics.extend(analyze(chart))
    return chart, chart, diagnostics
