"""Big charts in pieces: the overview closes compound states (each opens its own diagram),
every diagram has a page with pan and zoom, and nothing is loaded from elsewhere.
The viewer is tried in a real browser (Chromium through Playwright)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.model import Chart
from renderers import build_docs
from renderers.collapse import OPEN_MARK, VIEWER, focus, openable, piece_name
from renderers.diagram import build_diagram

REPO = Path(__file__).resolve().parents[2]
ORDER = REPO / "definitions" / "yescart" / "order.yaml"
CHROMIUM = "/usr/bin/chromium"


def test_the_overview_closes_compound_states_within_budget(load: Callable[[Path], Chart]) -> None:
    d = build_diagram(load(ORDER))
    shown, marks = focus(d)
    assert len(shown.nodes) - 1 <= 24 < len(d.nodes) - 1
    closed = [n for n in shown.nodes.values() if n.label.endswith(OPEN_MARK)]
    assert closed and all(not n.children for n in closed)
    for node in closed:  # each closed state links to its own diagram page
        assert marks.nodes[node.id].url == piece_name(d.chart_id, node.id) + VIEWER
        assert node.id in openable(d)
    # every transition's ends are states the overview shows
    for e in shown.edges:
        assert all(x in shown.nodes for x in (e.source, *e.targets)), e


def test_a_compound_states_diagram_shows_its_inside_and_where_the_flow_goes(
    load: Callable[[Path], Chart],
) -> None:
    d = build_diagram(load(ORDER))
    pending = "order.status.open.placed.pending"
    shown, marks = focus(d, pending)
    inside = set(d.node(pending).children)
    assert inside <= set(shown.nodes)
    outside = [n for n in shown.nodes if n and n != pending and n not in inside]
    assert outside, "transitions leave 'pending'"
    for oid in outside:  # drawn dashed, linking to a diagram that shows them
        assert marks.nodes[oid].style == "dashed,rounded"
        assert marks.nodes[oid].url and marks.nodes[oid].url.endswith(VIEWER)
    assert all(not d.contains(pending, n) or n in inside or n == pending for n in shown.nodes if n)


def test_pages_link_every_piece_and_load_nothing_from_elsewhere(
    dot: None, tmp_path: Path, load: Callable[[Path], Chart]
) -> None:
    chart = load(ORDER)
    build_docs([chart], tmp_path)
    page = (tmp_path / "yescart.order.md").read_text()
    assert "[![Yes!Cart order](yescart.order.svg)](yescart.order.diagram.html)" in page
    d = build_diagram(chart)
    for sid in openable(d):
        name = piece_name(chart.id, sid)
        assert f"]({name}{VIEWER})" in page
        assert (tmp_path / f"{name}.svg").is_file() and (tmp_path / f"{name}{VIEWER}").is_file()
    assert "```mermaid" not in page and (tmp_path / "yescart.order.mmd").is_file()
    for viewer in tmp_path.glob(f"*{VIEWER}"):
        text = viewer.read_text()
        assert "<svg" in text and "<script>" in text
        links = re.findall(r'(?:src|href)="([^"]+)"', text)
        assert not [u for u in links if u.startswith(("http:", "https:", "//"))], viewer.name


@pytest.fixture
def chromium() -> str:
    if not Path(CHROMIUM).is_file() or shutil.which("chromium") is None:
        reason = "Chromium not installed (apt-get install chromium)"
        if os.environ.get("STATEWISE_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"{reason}; STATEWISE_REQUIRE_CHROMIUM=1 requires it")
        pytest.skip(reason)  # only where Chromium is absent
    return CHROMIUM


def test_the_viewer_pans_zooms_and_opens_a_closed_state_in_a_browser(
    dot: None, chromium: str, tmp_path: Path, load: Callable[[Path], Chart]
) -> None:
    from playwright.sync_api import sync_playwright

    build_docs([load(ORDER)], tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.goto((tmp_path / f"yescart.order{VIEWER}").as_uri())
            svg = page.locator("#view svg")
            before = svg.get_attribute("viewBox")
            page.mouse.move(600, 400)
            page.mouse.wheel(0, -600)  # zoom in where the pointer is
            zoomed = svg.get_attribute("viewBox")
            assert zoomed != before
            assert float(zoomed.split()[2]) < float(before.split()[2])
            page.mouse.move(300, 300)
            page.mouse.down()
            page.mouse.move(500, 450)
            page.mouse.up()
            panned = svg.get_attribute("viewBox")
            assert (
                panned.split()[:2] != zoomed.split()[:2] and panned.split()[2] == zoomed.split()[2]
            )
            page.keyboard.press("0")
            assert svg.get_attribute("viewBox") == before
            # a closed state opens its own diagram
            svg.locator("text", has_text=re.compile(r"^In fulfilment")).first.click()
            page.wait_for_url(re.compile(r"order--.*fulfilment\.diagram\.html$"))
            assert "In fulfilment" in page.title()
        finally:
            browser.close()
