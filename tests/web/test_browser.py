"""The console in a real browser: Debian's Chromium driven by Playwright for Python (never a
downloaded browser), against ``statewise serve`` running as a process over a seeded shop.

Covers: signing in, working a queue with a bulk action, an instance's action with both
notes, a refused action explained, a form posted without its CSRF token, a user without
the role, a webhook sent twice with one key, and panning and zooming the 45-state order.
The screenshots in docs/console.md are taken here: ``STATEWISE_UPDATE_SCREENSHOTS=1``
writes them to docs/img/console/ (otherwise to a temporary folder).

Skips, saying why, when Playwright or /usr/bin/chromium is missing, unless
``STATEWISE_REQUIRE_CHROMIUM=1`` (CI), which makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.ops.helpers import free_port
from tests.web.shop import DEFINITIONS, PASSWORD, ROOT, Shop, add_people, seed_shop

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]  # fmt: skip
SHOTS = ROOT / "docs" / "img" / "console"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    if not Path(CHROMIUM).is_file():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


_why = _missing()
if _why is not None:
    if os.environ.get("STATEWISE_REQUIRE_CHROMIUM") == "1":
        pytest.fail(f"{_why}; STATEWISE_REQUIRE_CHROMIUM=1 requires it", pytrace=False)
    pytest.skip(_why, allow_module_level=True)

import httpx2 as httpx  # noqa: E402
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


@dataclass
class Live:
    base: str
    shop: Shop
    tokens: dict[str, str]
    shots: Path

    def shot(self, page: Page, name: str, *, full: bool = False) -> None:
        page.screenshot(path=str(self.shots / f"{name}.png"), full_page=full)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'shop.db'}"
    shop = seed_shop(url, waiting=4, in_progress=6, in_transit=1)
    tokens = add_people(url)
    port = free_port()
    cmd = [sys.executable, "-m", "engine", "serve", "--db", url, "--definitions",
           str(DEFINITIONS), "--port", str(port), "--log-level", "warning"]  # fmt: skip
    with (folder / "serve.log").open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError((folder / "serve.log").read_text())
        shots = SHOTS if os.environ.get("STATEWISE_UPDATE_SCREENSHOTS") == "1" else folder
        shots.mkdir(parents=True, exist_ok=True)
        yield Live(base, shop, tokens, shots)
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _signed_in(browser: Browser, live: Live, name: str = "ann") -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=live.base)
    page = context.new_page()
    page.goto("/")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("header .user")).to_contain_text(name)
    return page


def test_sign_in(browser: Browser, live: Live) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=live.base)
    page = context.new_page()
    page.goto("/instances/" + live.shop.waiting[0])
    expect(page).to_have_url(f"{live.base}/signin?next=%2Finstances%2F{live.shop.waiting[0]}")
    page.fill("input[name=name]", "ann")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    expect(page.locator(".alert")).to_contain_text("Unknown user or wrong password")
    live.shot(page, "signin")
    page.fill("input[name=name]", "ann")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live.base}/instances/{live.shop.waiting[0]}")
    page.goto("/")
    expect(page.locator(".chart-card").first).to_be_visible()
    expect(page.get_by_role("link", name="Waiting for confirmation")).to_be_visible()
    live.shot(page, "home", full=True)
    context.close()


def test_work_a_queue_with_a_bulk_action(browser: Browser, live: Live) -> None:
    page = _signed_in(browser, live)
    page.goto("/")
    page.get_by_role("link", name="To pack").click()
    expect(page.locator("h1")).to_have_text("To pack")
    rows = page.locator("table.items tbody tr")
    expect(rows).to_have_count(len(live.shop.to_pack))
    picked = [rows.nth(i).locator("input[name=id]").get_attribute("value") for i in range(3)]
    for i in range(3):
        rows.nth(i).locator("input[name=id]").check()
    page.select_option("select[name=event]", "pack.delivery")
    page.fill("input[name=note]", "morning batch")
    live.shot(page, "queue")
    page.get_by_role("button", name="Review…").click()
    expect(page.locator("h1")).to_have_text("Pack delivery: 3 items?")
    live.shot(page, "confirm")
    page.get_by_role("button", name="Confirm: Pack delivery").click()
    expect(page.locator("h1")).to_have_text("pack.delivery: 3 accepted, 0 refused, 0 failed")
    results = page.locator("table.results tbody tr")
    expect(results).to_have_count(3)
    for n, iid in enumerate(picked):
        expect(results.nth(n)).to_contain_text(str(iid))
        expect(results.nth(n)).to_contain_text("accepted")
    live.shot(page, "results")
    page.get_by_role("link", name="Back to the queue").click()
    expect(page.locator("table.items tbody tr")).to_have_count(len(live.shop.to_pack) - 3)
    page.context.close()


def test_an_instance_action_with_both_notes(browser: Browser, live: Live) -> None:
    page = _signed_in(browser, live)
    oid = live.shop.waiting[0]
    page.goto(f"/instances/{oid}")
    action = page.locator("details.action[data-event='evt.payment.confirmed']")
    action.locator("summary").click()
    action.locator("textarea[name=note]").fill("Bank transfer 4711 arrived")
    action.locator("textarea[name=client_note]").fill("Thank you, we received your payment.")
    live.shot(page, "action")
    action.get_by_role("button", name="Approve order").click()
    expect(page.locator(".ok")).to_contain_text("Done: evt.payment.confirmed")
    row = page.locator("table.trail tbody tr", has_text="evt.payment.confirmed")
    expect(row).to_contain_text("ann")
    expect(row).to_contain_text("Bank transfer 4711 arrived")
    expect(row).to_contain_text("Thank you, we received your payment.")
    page.context.close()


def test_the_45_state_order_pans_and_zooms(browser: Browser, live: Live) -> None:
    page = _signed_in(browser, live)
    page.goto(f"/instances/{live.shop.in_transit[0]}")
    svg = page.locator(".sw-viewport svg")
    expect(svg.locator("g.node.sw-leaf").first).to_be_attached()

    def box() -> list[float]:
        return [float(v) for v in (svg.get_attribute("viewBox") or "").split()]

    start = box()  # zoomed on the current states
    page.get_by_role("button", name="Whole chart").click()
    whole = box()
    assert whole[2] > start[2] * 1.5, (start, whole)
    page.get_by_role("button", name="+").click()
    zoomed = box()
    assert zoomed[2] < whole[2]
    viewport = page.locator(".sw-viewport").bounding_box()
    assert viewport is not None
    x, y = viewport["x"] + viewport["width"] / 2, viewport["y"] + viewport["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 200, y - 100, steps=5)
    page.mouse.up()
    moved = box()
    assert moved[0] > zoomed[0] and moved[1] > zoomed[1]
    page.mouse.wheel(0, -400)
    assert box()[2] < moved[2]
    page.get_by_role("button", name="Current state").click()
    current = box()
    assert abs(current[2] - start[2]) < 1
    leaf = svg.locator("g.node.sw-leaf").first.bounding_box()
    assert leaf is not None and viewport["x"] <= leaf["x"] <= viewport["x"] + viewport["width"]
    expect(page.locator("ul.disabled")).to_contain_text(
        "`deliveries_in_transit == 0` is false (deliveries_in_transit = 1)"
    )
    live.shot(page, "instance", full=True)
    page.context.close()


def test_a_refused_action_is_explained(browser: Browser, live: Live) -> None:
    page = _signed_in(browser, live)
    oid = live.shop.waiting[1]
    page.goto(f"/instances/{oid}")
    action = page.locator("details.action[data-event='evt.payment.confirmed']")
    action.locator("summary").click()
    action.locator("textarea[name=note]").fill("approving")
    # meanwhile a colleague approves the order through the API
    answer = httpx.post(f"{live.base}/api/v1/instances/{oid}/events",
                        json={"event": "evt.payment.confirmed"},
                        headers={"Authorization": f"Bearer {live.tokens['ops']}"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    action.get_by_role("button", name="Approve order").click()
    refused = page.locator(".refused")
    expect(refused).to_contain_text("Refused: evt.payment.confirmed")
    expect(refused).to_contain_text("is not active (active:")
    expect(refused).to_contain_text("Nothing was changed.")
    live.shot(page, "refused")
    page.context.close()


def test_a_post_without_the_csrf_token_is_refused(browser: Browser, live: Live) -> None:
    page = _signed_in(browser, live)
    oid = live.shop.waiting[2]
    page.goto(f"/instances/{oid}")
    form = page.locator("form.note")
    form.locator("input[name=csrf]").evaluate("e => e.remove()")
    form.locator("input[name=text]").fill("no token")
    form.get_by_role("button", name="Add note").click()
    alert = page.locator(".alert")
    expect(alert).to_contain_text("security token is missing or wrong")
    expect(alert).to_have_attribute("data-code", "csrf_failed")
    live.shot(page, "csrf")
    page.goto(f"/instances/{oid}")
    expect(page.locator("table.trail")).not_to_contain_text("no token")
    page.context.close()


def test_a_user_without_the_role_is_refused(browser: Browser, live: Live) -> None:
    page = _signed_in(browser, live, "carl")
    oid = live.shop.waiting[3]
    page.goto(f"/instances/{oid}")
    actions = page.locator("section.actions")
    expect(actions).to_contain_text("Cancel order")
    expect(actions).not_to_contain_text("Approve order")
    # a hand-made form for an action carl's roles do not allow
    cancel = page.locator("details.action[data-event='cancel.order']")
    cancel.locator("input[name=event]").evaluate("e => e.value = 'evt.payment.confirmed'")
    cancel.locator("summary").click()
    cancel.get_by_role("button", name="Cancel order").click()
    alert = page.locator(".alert")
    expect(alert).to_contain_text("needs one of the roles")
    expect(alert).to_contain_text("CALLCENTERORDERCONFIRM")
    expect(alert).to_contain_text("carl has CALLCENTERORDERPROCESS")
    live.shot(page, "forbidden")
    page.context.close()


def test_a_webhook_with_a_repeated_key_is_applied_once(browser: Browser, live: Live) -> None:
    delivery = live.shop.to_pack[-1]
    headers = {"Authorization": f"Bearer {live.tokens['feed']}", "Idempotency-Key": "feed-77"}
    hook: dict[str, Any] = {"event": "evt.delivery.update", "data": {"all_lines_delivered": False}}
    first = httpx.post(f"{live.base}/api/v1/instances/{delivery}/events", json=hook,
                       headers=headers)  # fmt: skip
    second = httpx.post(f"{live.base}/api/v1/instances/{delivery}/events", json=hook,
                        headers=headers)  # fmt: skip
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() and second.headers["idempotent-replayed"] == "true"
    page = _signed_in(browser, live)
    page.goto(f"/instances/{delivery}")
    rows = page.locator("table.trail tbody tr", has_text="evt.delivery.update")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("token:warehouse-feed")
    live.shot(page, "webhook")
    page.context.close()


def test_screenshots_are_pictures(live: Live) -> None:
    """Runs last in this module: every screenshot the docs show was written."""
    names = ("signin", "home", "queue", "confirm", "results", "action", "instance", "refused",
             "csrf", "forbidden", "webhook")  # fmt: skip
    for name in names:
        path = live.shots / f"{name}.png"
        assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    assert shutil.which("chromium") or Path(CHROMIUM).is_file()
