"""Instance path and heat-map overlays from plain history records."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from engine.loader import load_text
from renderers import (
    HistoryRecord,
    build_diagram,
    heat_map,
    load_histories,
    load_history,
    path_overlay,
    render_dot,
)
from renderers.overlay import format_duration, match_edges

CHART = """\
id: ov.order
version: 1
events:
  paid: {source: integration}
states:
  new:
    on:
      pay: {target: paying, manual: {label: Pay, roles: [clerk]}}
      cancel: cancelled
  paying:
    initial: waiting
    states:
      waiting:
        on:
          paid: done_paying
          retry: waiting
      done_paying: {type: final}
    on:
      done.state.paying: shipped
      cancel: cancelled
  shipped: {type: final}
  cancelled: {type: final}
"""

T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)


def rec(event: str, before: list[str], after: list[str], minutes: int) -> HistoryRecord:
    return HistoryRecord(event, tuple(before), tuple(after), T0 + dt.timedelta(minutes=minutes))


PATH = [
    rec("pay", ["new"], ["paying.waiting"], 0),
    rec("retry", ["paying.waiting"], ["paying.waiting"], 30),
    rec("paid", ["paying.waiting"], ["paying.done_paying"], 90),
    rec("done.state.paying", ["paying.done_paying"], ["shipped"], 90),
]


def test_records_are_matched_to_transitions() -> None:
    d = build_diagram(load_text(CHART))
    assert [e.source for e in match_edges(d, PATH[0])] == ["new"]
    assert [e.targets for e in match_edges(d, PATH[2])] == [("paying.done_paying",)]
    # an inner transition wins over its ancestor's when both would fit
    cancel = rec("cancel", ["paying.waiting"], ["cancelled"], 100)
    assert [e.source for e in match_edges(d, cancel)] == ["paying"]


def test_path_overlay_marks_steps_visited_and_current() -> None:
    d = build_diagram(load_text(CHART))
    marks = path_overlay(d, PATH)
    pay = match_edges(d, PATH[0])[0].id
    retry = match_edges(d, PATH[1])[0].id
    assert marks.edges[pay].note == "#1"
    assert marks.edges[retry].note == "#2"
    assert marks.nodes["shipped"].note == "current"
    assert "paying.waiting" in marks.nodes and "cancelled" not in marks.nodes
    assert marks.dim
    dot = render_dot(d, decorations=marks)
    assert "#1" in dot and "current" in dot and "Instance path: 4 steps" in dot
    cancelled = next(line for line in dot.splitlines() if line.strip().startswith("cancelled ["))
    assert 'color="#cbd5e1"' in cancelled  # untouched states are greyed out


def test_heat_map_counts_instances_and_median_time() -> None:
    d = build_diagram(load_text(CHART))
    other = [
        rec("pay", ["new"], ["paying.waiting"], 0),
        rec("cancel", ["paying.waiting"], ["cancelled"], 10),
    ]
    marks = heat_map(d, [PATH, other, PATH])
    pay = match_edges(d, PATH[0])[0].id
    assert marks.edges[pay].note == "\u00d73"
    widths = {eid: m.penwidth for eid, m in marks.edges.items()}
    assert widths[pay] == max(widths.values())
    # waiting: 30 min (then re-entered), 60 min, 10 min, 30, 60 -> median 30m
    note = marks.nodes["paying.waiting"].note or ""
    assert note.startswith("3 instances") and "median" in note
    assert "Heat map: 3 instances" in render_dot(d, decorations=marks)


def test_history_json_round_trip() -> None:
    rows = [
        {
            "event": "pay",
            "from_states": ["new"],
            "to_states": ["paying.waiting"],
            "time": "2026-01-01T09:00:00Z",
        },
        {
            "event": "paid",
            "from": ["paying.waiting"],
            "to": ["paying.done_paying"],
            "time": "2026-01-01T10:00:00+00:00",
        },
    ]
    records = load_history(json.dumps(rows))
    assert records[0].time == T0 and records[1].from_states == ("paying.waiting",)
    assert len(load_histories(json.dumps({"a": rows, "b": rows[:1]}))) == 2
    with pytest.raises(ValueError):
        load_history('"nope"')


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(40, "40s"), (720, "12m"), (3600 * 5 + 600, "5h 10m"), (86400 * 2 + 3 * 3600, "2d 3h")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
