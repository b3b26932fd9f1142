"""Live diagrams (renderers.live): laid out once with transition ids as classes, then an
instance's path marked by class names, with no inline style."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from engine import load_chart
from renderers import HistoryRecord, build_diagram, dot_available
from renderers.live import live_svg, mark_svg
from renderers.overlay import path_marks, path_overlay
from tests.web.shop import DEFINITIONS

pytestmark = pytest.mark.skipif(not dot_available(), reason="the graphviz dot program is absent")

T = datetime(2026, 12, 1, tzinfo=UTC)
ORDER = build_diagram(load_chart(DEFINITIONS / "yescart" / "order.yaml"))
HISTORY = [
    HistoryRecord("", (), ("order.status.none", "order.export.export_idle"), T),
    HistoryRecord("evt.pending", ("order.status.none", "order.export.export_idle"),
                  ("order.status.open.fulfilment.in_progress", "order.export.export_idle"), T),
]  # fmt: skip


def test_the_svg_is_inline_and_names_the_transitions() -> None:
    svg = live_svg(ORDER)
    assert svg.startswith('<svg class="sw-diagram"') and "<?xml" not in svg
    assert 'width="' not in svg.split(">", 1)[0]  # sized by the page
    assert "style=" not in svg
    classes = set(re.findall(r'class="edge ([^"]+)"', svg))
    ids = {e.id for e in ORDER.edges}
    assert classes and all(set(c.split()) <= ids for c in classes)


def test_marks_match_the_path_overlay() -> None:
    svg = live_svg(ORDER)
    marks = path_marks(ORDER, HISTORY)
    marked = mark_svg(svg, marks)
    assert marked.startswith('<svg class="sw-diagram sw-overlay"')
    assert re.search(r'id="state&#45;order\.status\.open\.fulfilment\.in_progress" '
                     r'class="node sw-current sw-leaf"', marked)  # fmt: skip
    assert 'class="cluster sw-current"' in marked
    assert re.search(r'class="edge [^"]*sw-path" data-steps="#2', marked)
    # the same path the Graphviz overlay draws
    overlay = path_overlay(ORDER, HISTORY)
    assert set(overlay.edges) == set(marks.steps)
    assert {s for s, m in overlay.nodes.items() if m.note == "current"} == set(marks.leaves)
