"""A chart as the console's chart page and ``GET /api/v1/charts/{chart}`` show it: its
states (with queues and tags), its manual actions (who may press them), its events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.model import Chart

__all__ = ["chart_summary"]


def chart_summary(chart: Chart) -> dict[str, Any]:
    states = [
        {
            "id": s.id,
            "name": s.name,
            "kind": str(s.kind),
            "label": s.meta.label,
            "description": s.meta.description,
            "queue": s.meta.queue,
            "code": s.meta.code,
            "tags": list(s.meta.tags),
        }
        for s in chart.states.values()
        if s.id
    ]
    actions = [
        {
            "event": t.events[0] if t.events else "",
            "label": t.manual.label,
            "roles": list(t.manual.roles),
            "note_required": t.manual.note_required,
            "description": t.manual.description,
            "from": s.id,
        }
        for s in chart.states.values()
        for t in s.transitions
        if t.manual is not None
    ]
    return {
        "id": chart.id,
        "version": chart.version,
        "title": chart.title,
        "description": chart.description,
        "states": states,
        "actions": actions,
        "events": sorted(chart.events),
        "context": [f.name for f in chart.context.fields],
    }
