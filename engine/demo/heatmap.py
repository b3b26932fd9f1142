"""The day's heat map per chart: how many instances took each transition, drawn over the
chart's diagram (SVG with Graphviz ``dot``; the DOT source when ``dot`` is missing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.model import Chart
    from engine.store import AuditRecord

__all__ = ["write_heat_maps"]


def write_heat_maps(
    charts: Sequence[Chart],
    histories: Mapping[str, Mapping[str, Sequence[AuditRecord]]],
    folder: Path,
) -> list[Path]:
    """One file per chart in ``folder``; returns the paths written."""
    from renderers import DotNotInstalled, build_diagram, heat_map, render
    from renderers.overlay import HistoryRecord

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for chart in charts:
        trails = histories.get(chart.id, {})
        if not trails:
            continue
        records = [
            [
                HistoryRecord(r.event or "", r.from_configuration, r.to_configuration, r.time)
                for r in trail
                if r.kind in ("start", "event", "forced")
            ]
            for trail in trails.values()
        ]
        diagram = build_diagram(chart)
        decorations = heat_map(diagram, records)
        try:
            data, suffix = render(diagram, "svg", decorations=decorations), "svg"
        except DotNotInstalled:
            data, suffix = render(diagram, "dot", decorations=decorations), "dot"
        path = folder / f"{chart.id}.{suffix}"
        path.write_bytes(data)
        written.append(path)
    return written
