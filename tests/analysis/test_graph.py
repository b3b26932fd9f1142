"""The networkx projection (node and edge attributes) and the flow graph built on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.analysis import EdgeKind, chart_graph
from engine.analysis.flow import active, build_flow, default_regions, done, enter
from engine.analysis.overlap import covers, live_transitions
from engine.loader import Stage, validate_path
from engine.model import Chart, StateKind, Trigger

CHART = """\
id: graph.demo
version: 1
context:
  ok: {type: boolean, default: false}
states:
  idle:
    on:
      start: {target: work, manual: {label: Start}}
      ping: {actions: [{log: "'pong'"}], manual: {label: Ping}}
  work:
    type: parallel
    on:
      back: {target: work.left.h, manual: {label: Back}}
    states:
      left:
        initial: a
        states:
          a:
            always:
              - {target: b, guard: ok}
          b: {}
          h: {type: history, target: b}
      right:
        states:
          c: {}
          d: {}
  jump:
    on:
      go: {target: right.d, manual: {label: Go}}
"""


@pytest.fixture()
def chart(tmp_path: Path) -> Chart:
    path = tmp_path / "chart.yaml"
    path.write_text(CHART, encoding="utf-8")
    result = validate_path(path, stage=Stage.MODEL)
    assert result.chart is not None, [d.format() for d in result.diagnostics]
    return result.chart


def _edges(chart: Chart, kind: EdgeKind) -> set[tuple[str, str]]:
    g = chart_graph(chart)
    return {(u, v) for u, v, k in g.edges(data="kind") if k is kind}


def test_nodes_carry_kind_label_depth_parent(chart: Chart) -> None:
    g = chart_graph(chart)
    assert list(g.nodes) == list(chart.states)
    assert g.nodes["work.left.a"]["kind"] is StateKind.ATOMIC
    assert g.nodes["work"]["kind"] is StateKind.PARALLEL
    assert g.nodes["work.left.a"]["depth"] == 3
    assert g.nodes["work.left.a"]["parent"] == "work.left"
    assert g.nodes["idle"]["label"] == "idle"
    assert g.nodes[""]["parent"] is None


def test_transition_edges_carry_event_trigger_guard_order(chart: Chart) -> None:
    g = chart_graph(chart)
    [(_, data)] = [
        (k, d)
        for k, d in g.get_edge_data("work.left.a", "work.left.b").items()
        if d["kind"] is EdgeKind.TRANSITION
    ]
    assert data["events"] == ()
    assert data["trigger"] is Trigger.ALWAYS
    assert data["guard"] == "ok"
    [start] = [d for d in g.get_edge_data("idle", "work").values()]
    assert (start["event"], start["trigger"], start["guard"]) == ("start", Trigger.MANUAL, None)
    assert start["order"] < data["order"]


def test_targetless_transition_is_a_self_loop(chart: Chart) -> None:
    g = chart_graph(chart)
    [loop] = g.get_edge_data("idle", "idle").values()
    assert loop["targetless"] and loop["event"] == "ping"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            EdgeKind.INITIAL,
            {("", "idle"), ("work.left", "work.left.a"), ("work.right", "work.right.c")},
        ),
        (EdgeKind.REGION, {("work", "work.left"), ("work", "work.right")}),
        (EdgeKind.HISTORY, {("work.left.h", "work.left.b")}),
    ],
)
def test_entry_edges(chart: Chart, kind: EdgeKind, expected: set[tuple[str, str]]) -> None:
    assert _edges(chart, kind) == expected


def test_within_edges_go_from_child_to_parent(chart: Chart) -> None:
    within = _edges(chart, EdgeKind.WITHIN)
    assert ("work.left.a", "work.left") in within
    assert ("idle", "") in within
    assert len(within) == len(chart.states) - 1


def test_entering_one_region_enters_the_others_by_default(chart: Chart) -> None:
    [go] = chart.states["jump"].transitions
    assert default_regions(chart, go) == ["work.left"]
    [back] = chart.states["work"].transitions
    # an external transition of a parallel state leaves it and enters it again
    assert default_regions(chart, back) == ["work.right"]
    flow = build_flow(chart, chart_graph(chart), live_transitions(chart))
    assert flow.graph.has_edge(enter("work.left.h"), enter("work.left.b"))
    assert flow.graph.has_edge(active("work.left.a"), active("work.left"))
    assert not flow.graph.has_node(done("work"))  # no region can finish


@pytest.mark.parametrize(
    ("general", "specific", "expected"),
    [
        ("*", "a.b", True),
        ("*", "*", True),
        ("a.*", "a.b", True),
        ("a.*", "a", True),
        ("a.*", "a.b.*", True),
        ("a", "a", True),
        ("a", "a.b", False),  # a plain descriptor matches exactly
        ("a", "a.*", False),
        ("a.b", "a", False),
        ("a.*", "ab", False),
        ("a", "*", False),
        ("a.b.*", "a.*", False),
    ],
)
def test_covers(general: str, specific: str, expected: bool) -> None:
    assert covers(general, specific) is expected
