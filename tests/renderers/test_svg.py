"""SVG output, parsed: every state is drawn once, clusters nest as the chart does, and no
transition is drawn across another transition's label. Needs the ``dot`` program."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.model import Chart, StateKind
from renderers import render

SVG = "{http://www.w3.org/2000/svg}"
Box = tuple[float, float, float, float]


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]


def _shape_box(g: ET.Element) -> Box | None:
    xs: list[float] = []
    ys: list[float] = []
    for el in g.iter():
        tag = el.tag.removeprefix(SVG)
        if tag == "polygon" and el.get("stroke") != "transparent":
            v = _numbers(el.get("points", ""))
        elif tag == "path":
            v = _numbers(el.get("d", ""))
        elif tag == "ellipse":
            cx, cy = float(el.get("cx", 0)), float(el.get("cy", 0))
            rx, ry = float(el.get("rx", 0)), float(el.get("ry", 0))
            v = [cx - rx, cy - ry, cx + rx, cy + ry]
        else:
            continue
        xs.extend(v[::2])
        ys.extend(v[1::2])
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def _inside(inner: Box, outer: Box, slack: float = 1.0) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def _groups(root: ET.Element, cls: str) -> Iterator[ET.Element]:
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == cls:
            yield g


def _text_box(g: ET.Element) -> Box | None:
    """Where the label's text is (estimated from the text runs)."""
    xs: list[float] = []
    ys: list[float] = []
    for t in g.iter(f"{SVG}text"):
        x, y, size = float(t.get("x", 0)), float(t.get("y", 0)), float(t.get("font-size", 10))
        width = len(t.text or "") * size * 0.5
        anchor = t.get("text-anchor")
        left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
        xs += [left, left + width]
        ys += [y - size * 0.75, y + size * 0.2]
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def _curve_points(d: str) -> Iterator[tuple[float, float]]:
    v = _numbers(d)
    pts = list(zip(v[::2], v[1::2], strict=False))
    for i in range(0, len(pts) - 3, 3):
        p0, p1, p2, p3 = pts[i : i + 4]
        for k in range(25):
            t = k / 24
            u = 1 - t
            yield (
                u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
            )


@pytest.fixture
def svg_of(dot: None, load: Callable[[Path], Chart]) -> Callable[[Path], tuple[Chart, ET.Element]]:
    def _svg(path: Path) -> tuple[Chart, ET.Element]:
        chart = load(path)
        return chart, ET.fromstring(render(chart, "svg"))

    return _svg


def test_every_chart_renders_to_svg_with_every_state_once(
    any_chart: Path, svg_of: Callable[[Path], tuple[Chart, ET.Element]]
) -> None:
    chart, root = svg_of(any_chart)
    ids = [g.get("id", "") for g in root.iter(f"{SVG}g") if g.get("id", "").startswith("state-")]
    drawn = [i.removeprefix("state-") for i in ids]
    expected = [s for s in chart.states if s]
    assert sorted(drawn) == sorted(expected)  # every state, and none twice


def test_clusters_nest_as_in_the_chart(
    any_chart: Path, svg_of: Callable[[Path], tuple[Chart, ET.Element]]
) -> None:
    chart, root = svg_of(any_chart)
    boxes: dict[str, Box] = {}
    kinds: dict[str, str] = {}
    for cls in ("node", "cluster"):
        for g in _groups(root, cls):
            gid = g.get("id", "")
            if gid.startswith("state-") and (box := _shape_box(g)) is not None:
                boxes[gid.removeprefix("state-")] = box
                kinds[gid.removeprefix("state-")] = cls
    for state in chart.states.values():
        if not state.id:
            continue
        expected = "cluster" if state.kind in (StateKind.COMPOUND, StateKind.PARALLEL) else "node"
        assert kinds[state.id] == expected, state.id
        if state.parent:
            assert _inside(boxes[state.id], boxes[state.parent]), (
                f"{state.id} is drawn outside {state.parent}"
            )
        for other in chart.states.values():  # siblings never overlap
            if other.parent == state.parent and other.id < state.id and other.id:
                a, b = boxes[state.id], boxes[other.id]
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (
                    f"{state.id} overlaps {other.id}"
                )


def test_no_edge_is_drawn_across_a_label(
    any_chart: Path, svg_of: Callable[[Path], tuple[Chart, ET.Element]]
) -> None:
    _, root = svg_of(any_chart)
    labels = {
        g.get("id", "").removeprefix("label-"): box
        for g in _groups(root, "node")
        if g.get("id", "").startswith("label-") and (box := _text_box(g)) is not None
    }
    assert labels
    crossings = []
    for g in _groups(root, "edge"):
        edge = g.get("id", "").removeprefix("edge-")
        for path in g.iter(f"{SVG}path"):
            for x, y in _curve_points(path.get("d", "")):
                hit = [
                    name
                    for name, (x0, y0, x1, y1) in labels.items()
                    if not edge.startswith(name) and x0 + 1 < x < x1 - 1 and y0 + 1 < y < y1 - 1
                ]
                if hit:
                    crossings.append((edge, hit[0]))
                    break
    assert not crossings, f"edges drawn across labels: {crossings}"


def test_png_and_pdf(dot: None, load: Callable[[Path], Chart]) -> None:
    chart = load(Path(__file__).parent / "fixtures" / "large.yaml")
    assert render(chart, "png").startswith(b"\x89PNG")
    assert render(chart, "pdf").startswith(b"%PDF")
