"""The replay overlay: where instances first part from their history, as a heat map."""

from __future__ import annotations

from engine.loader import load_text
from renderers import DivergencePoint, build_diagram, divergence_map, render_dot

CHART = """\
id: dv.order
version: 1
events:
  paid: {source: integration, data: {ok: boolean}}
states:
  new:
    on:
      pay: {target: paying, manual: {label: Pay, roles: [clerk]}}
      cancel: cancelled
  paying:
    on:
      paid:
        - guard: "event.ok"
          actions: [{raise: settled}]
        - target: cancelled
      settled: shipped
  shipped: {type: final}
  cancelled: {type: final}
"""


def test_states_and_transitions_are_marked_by_how_many_part_there() -> None:
    d = build_diagram(load_text(CHART))
    points = [
        DivergencePoint(("new",), "pay", ("paying",), (), diverged=6),
        DivergencePoint(("paying",), "paid", ("shipped",), (), diverged=2, refused=1),
        DivergencePoint(("new",), "cancel", (), ("new",), refused=3),
    ]
    marks = divergence_map(d, points, replayed=40)
    assert set(marks.nodes) == {"new", "paying"} and marks.dim
    assert marks.nodes["new"].note == "\u00d76 diverge on pay; \u00d73 refused on cancel"
    assert marks.nodes["paying"].note == "\u00d72 diverge \u00d71 refused on paid"
    assert (marks.nodes["new"].penwidth or 0) > (marks.nodes["paying"].penwidth or 0)
    edges = {e.id: e for e in d.edges}
    marked = sorted(
        (edges[eid].source, edges[eid].events, m.note) for eid, m in marks.edges.items()
    )
    # the targetless transition that raised 'settled', and the one that took it on to shipped
    assert marked == [
        ("new", ("pay",), "\u00d76"),
        ("paying", ("paid",), "\u00d73"),
        ("paying", ("settled",), "\u00d73"),
    ]
    dot = render_dot(d, decorations=marks)
    assert "Replay: 12 instances part from their history (of 40 replayed)" in dot


def test_points_outside_the_chart_are_left_out() -> None:
    d = build_diagram(load_text(CHART))
    marks = divergence_map(d, [DivergencePoint(("gone",), "pay", (), (), diverged=1)])
    assert marks.nodes == {} and marks.edges == {}
    assert marks.caption == "Replay: 1 instance part from their history"
