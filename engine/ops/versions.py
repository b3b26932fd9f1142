"""Chart versions in a deployment: deploy a folder, list versions, check files against the
store before anything runs.

A version's identity is its meaning (``Chart.fingerprint``, see ``engine.model.meaning``):

* :func:`deploy` registers every chart whose meaning the store does not have yet as a new
  version, numbered for you (the file's ``version:`` when it is higher than every stored
  one, else one more than the highest), with its meaning and its files; instances keep
  running on the version they started with;
* :func:`version_table` lists a chart's versions with their instance counts and what
  changed from one to the next;
* :func:`check_against_store` is ``statewise validate --db``: a file whose meaning changed
  under a ``version:`` the store already has is E600 (instances use it) or W600 (none do).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import Diagnostic, Severity
from engine.model import Chart
from engine.model.meaning import changes, meaning
from engine.source import Span

if TYPE_CHECKING:
    from engine.store.ports import InstanceStore
    from engine.store.records import ChartVersionRecord

__all__ = ["Deployed", "VersionRow", "check_against_store", "deploy", "version_table"]

#: how many changes a message lists before "and N more"
SHOWN = 5


@dataclass(frozen=True, slots=True)
class Deployed:
    """What :func:`deploy` did with one chart file."""

    chart: str
    file: str
    version: int
    #: ``new`` (first version), ``changed`` (a new version), ``unchanged`` (known meaning)
    status: str
    #: what changed from the latest version before (``changed`` only)
    changes: tuple[str, ...] = ()
    previous: int | None = None


@dataclass(frozen=True, slots=True)
class VersionRow:
    """One version of a chart, as ``statewise versions`` shows it."""

    record: ChartVersionRecord
    #: what changed from the version before it (empty for the first, or when unknown)
    changes: tuple[str, ...]


def _summary(found: Sequence[str]) -> str:
    shown = "; ".join(found[:SHOWN])
    more = f" (and {len(found) - SHOWN} more)" if len(found) > SHOWN else ""
    return shown + more


def _number(chart: Chart, existing: Sequence[ChartVersionRecord]) -> int:
    highest = max((v.version for v in existing), default=0)
    return chart.version if chart.version > highest else highest + 1


def deploy(store: InstanceStore, charts: Sequence[Chart]) -> list[Deployed]:
    """Register every chart whose meaning is new as a new version (see the module doc)."""
    from engine.service.versions import record_version
    from engine.store.ports import ChartVersionConflict

    out: list[Deployed] = []
    for chart in sorted(charts, key=lambda c: (c.id, c.version)):
        existing = store.chart_versions(chart.id)
        known = store.chart_version_for(chart.id, chart.fingerprint)
        legacy = next((v for v in existing if v.version == chart.version), None)
        if known is None and legacy is not None and legacy.fingerprint is None:
            try:  # registered before meanings were kept: unchanged bytes fill it in
                record_version(store, chart)
                known = store.chart_version_for(chart.id, chart.fingerprint)
            except ChartVersionConflict:
                pass
        if known is not None:
            out.append(Deployed(chart.id, chart.file, known, "unchanged"))
            continue
        number = _number(chart, existing)
        record_version(store, replace(chart, version=number))
        if not existing:
            out.append(Deployed(chart.id, chart.file, number, "new"))
            continue
        latest = existing[-1]
        found = changes(latest.meaning, meaning(chart)) if latest.meaning is not None else []
        out.append(Deployed(chart.id, chart.file, number, "changed", tuple(found), latest.version))
    return out


def version_table(store: InstanceStore, chart_id: str) -> list[VersionRow]:
    """Every version of ``chart_id``, oldest first, with counts and what changed."""
    rows: list[VersionRow] = []
    previous: ChartVersionRecord | None = None
    for record in store.chart_versions(chart_id):
        found: list[str] = []
        if previous is not None and previous.meaning is not None and record.meaning is not None:
            found = changes(previous.meaning, record.meaning)
        rows.append(VersionRow(record, tuple(found)))
        previous = record
    return rows


_VERSION_KEY = re.compile(r"^version\s*:\s*", re.M)


def _version_span(chart: Chart) -> Span:
    """Where the file says ``version:`` (the start of the file when it cannot be found)."""
    try:
        text = Path(chart.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return Span.point(chart.file, 1, 1)
    found = _VERSION_KEY.search(text)
    if found is None:
        return Span.point(chart.file, 1, 1)
    line = text.count("\n", 0, found.start()) + 1
    rest = text[found.end() :].split("\n", 1)[0].split("#", 1)[0].rstrip()
    col = found.end() - found.start() + 1
    return Span(chart.file, line, col, line, col + max(1, len(rest)))


def check_against_store(store: InstanceStore, charts: Sequence[Chart]) -> list[Diagnostic]:
    """E600/W600 for every chart whose meaning changed under a version the store has."""
    out: list[Diagnostic] = []
    for chart in charts:
        stored = next(
            (v for v in store.chart_versions(chart.id) if v.version == chart.version), None
        )
        if stored is None or stored.fingerprint in (None, chart.fingerprint):
            continue
        if store.chart_version_for(chart.id, chart.fingerprint) is not None:
            continue  # deployed under another number: runs as that version
        found = changes(stored.meaning, meaning(chart)) if stored.meaning is not None else []
        what = f": {_summary(found)}" if found else ""
        used = stored.active + stored.done
        fix = (
            "expected a new version: run `statewise deploy --db URL DIR` (it numbers the "
            "changed chart for you; running instances stay on theirs) or raise `version:`"
        )
        if used:
            out.append(
                Diagnostic(
                    "E600",
                    Severity.ERROR,
                    f"chart '{chart.id}' version {chart.version} is used by {used} "
                    f"instance{'s' if used != 1 else ''} in the database, and its meaning "
                    f"changed{what}; {fix}",
                    _version_span(chart),
                    "version",
                )
            )
        else:
            out.append(
                Diagnostic(
                    "W600",
                    Severity.WARNING,
                    f"chart '{chart.id}' version {chart.version} is in the database with "
                    f"another meaning{what}; no instance uses it yet, so the next start "
                    "replaces it (to keep both, give the new one its own version)",
                    _version_span(chart),
                    "version",
                )
            )
    return out
