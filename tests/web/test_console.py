"""The console's pages in-process: signing in (throttled), queues, bulk actions with a
confirmation, the instance page (diagram marks, actions, refusals), CSRF and roles,
security headers, sessions that end, and the SSO header mode."""

from __future__ import annotations

import re
from typing import Any

import pytest

from engine.ops.users import FREE_FAILURES
from engine.web.config import ServeConfig
from tests.web.conftest import Served
from tests.web.shop import DEFINITIONS, PASSWORD


def _csrf(html: str) -> str:
    return html.split('name="csrf" value="')[1].split('"')[0]


def test_pages_need_a_session_and_sign_in_returns_to_the_page(served_sqlite: Served) -> None:
    c = served_sqlite.client
    oid = served_sqlite.shop.waiting[0]
    first = c.get(f"/instances/{oid}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/signin?next=")
    form = c.get(first.headers["location"])
    wrong = c.post("/signin", data={"csrf": _csrf(form.text), "name": "ann", "password": "nope",
                                    "next": f"/instances/{oid}"})  # fmt: skip
    assert wrong.status_code == 401 and "Unknown user or wrong password" in wrong.text
    form = c.get("/signin")
    ok = c.post("/signin", data={"csrf": _csrf(form.text), "name": "ann", "password": PASSWORD,
                                 "next": f"/instances/{oid}"}, follow_redirects=False)  # fmt: skip
    assert ok.status_code == 303 and ok.headers["location"] == f"/instances/{oid}"
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "sw_session=" in cookie
    # an open redirect is not possible
    form = c.get("/signin")
    away = c.post("/signin", data={"csrf": _csrf(form.text), "name": "ann", "password": PASSWORD,
                                   "next": "//evil.example/"}, follow_redirects=False)  # fmt: skip
    assert away.headers["location"] == "/"
    # the sign-in form has its own CSRF token
    bare = c.post("/signin", data={"name": "ann", "password": PASSWORD})
    assert bare.status_code == 403


def test_sign_in_is_throttled_per_account_and_per_address(served_sqlite: Served) -> None:
    c = served_sqlite.client
    for _ in range(FREE_FAILURES):
        form = c.get("/signin")
        c.post("/signin", data={"csrf": _csrf(form.text), "name": "carl", "password": "wrong"})
    form = c.get("/signin")
    locked = c.post("/signin", data={"csrf": _csrf(form.text), "name": "carl",
                                     "password": PASSWORD})  # fmt: skip
    assert locked.status_code == 429 and "try again in" in locked.text
    statuses = []
    for _ in range(12):  # the same address: at most 10 attempts a minute
        form = c.get("/signin")
        statuses.append(c.post("/signin", data={"csrf": _csrf(form.text), "name": "x",
                                                "password": "y"}).status_code)  # fmt: skip
    assert (
        429 in statuses
        and "Too many sign-in attempts"
        in c.post(
            "/signin", data={"csrf": _csrf(c.get("/signin").text), "name": "x", "password": "y"}
        ).text
    )


def test_home_shows_every_chart_with_its_queues(served_sqlite: Served) -> None:
    page = served_sqlite.signed_in().get("/")
    assert page.status_code == 200
    text = page.text
    for title in ("Yes!Cart order", "Waiting for confirmation", "To pack", "Orders to confirm"):
        assert title in text
    assert re.search(r"Waiting for confirmation</a></td>\s*<td class=\"num\">3</td>", text)


def test_a_queue_lists_items_with_the_charts_columns_and_a_bulk_action(
    served_sqlite: Served,
) -> None:
    ann = served_sqlite.signed_in()
    page = ann.get("/charts/yescart.delivery/queues/stock_allocated.inventory_allocated")
    assert page.status_code == 200
    assert "<th>Order no</th>" in page.text and "<th>Amount</th>" in page.text
    assert page.text.count('name="id" value=') == 7
    assert '<option value="pack.delivery">Pack delivery</option>' in page.text
    ids = served_sqlite.shop.to_pack[:2]
    confirm = ann.post(
        "/charts/yescart.delivery/queues/stock_allocated.inventory_allocated/confirm",
        data={"csrf": _csrf(page.text), "id": ids, "event": "pack.delivery", "note": "batch 1"},
    )
    assert "Pack delivery: 2 items?" in confirm.text
    done = ann.post("/bulk", data={"csrf": _csrf(confirm.text), "id": ids, "event": "pack.delivery",
                                   "note": "batch 1", "back": "/"})  # fmt: skip
    assert "pack.delivery: 2 accepted, 0 refused, 0 failed" in done.text
    after = ann.get("/charts/yescart.delivery/queues/stock_allocated.inventory_allocated")
    assert after.text.count('name="id" value=') == 5
    # an item archived (or mistyped) since the queue was shown is not found, not failed
    more = [served_sqlite.shop.to_pack[2], "gone-meanwhile"]
    done = ann.post("/bulk", data={"csrf": _csrf(after.text), "id": more,
                                   "event": "pack.delivery", "back": "/"})  # fmt: skip
    assert "pack.delivery: 1 accepted, 0 refused, 1 not found, 0 failed" in done.text
    assert "<td>not found</td>" in done.text


def test_the_instance_page_shows_path_actions_and_reasons(served_sqlite: Served) -> None:
    ann = served_sqlite.signed_in()
    oid = served_sqlite.shop.in_transit[0]
    page = ann.get(f"/instances/{oid}")
    text = page.text
    assert '<svg class="sw-diagram sw-overlay"' in text
    assert 'class="node sw-current sw-leaf"' in text and "sw-path" in text
    assert "Not possible now" in text
    assert "`deliveries_in_transit == 0` is false (deliveries_in_transit = 1)" in text
    assert "Children" in text and "Messages sent" in text and "Audit trail" in text
    assert "Order 100" in text or "order" in text  # a rendered message subject


def test_an_action_with_both_notes_and_a_refusal_in_words(served_sqlite: Served) -> None:
    ann = served_sqlite.signed_in()
    oid = served_sqlite.shop.waiting[0]
    page = ann.get(f"/instances/{oid}")
    csrf = _csrf(page.text)
    done = ann.post(f"/instances/{oid}/actions", data={
        "csrf": csrf, "event": "evt.payment.confirmed", "note": "bank transfer seen",
        "client_note": "Your payment arrived."}, follow_redirects=True)  # fmt: skip
    assert "Done: <code>evt.payment.confirmed</code>" in done.text
    assert "bank transfer seen" in done.text and "Your payment arrived." in done.text
    again = ann.post(f"/instances/{oid}/actions", data={"csrf": csrf, "event":
                                                        "evt.payment.confirmed"})  # fmt: skip
    assert again.status_code == 422
    assert "Refused: <code>evt.payment.confirmed</code>" in again.text
    assert "is not active" in again.text


def test_a_post_without_the_csrf_token_changes_nothing(served_sqlite: Served) -> None:
    ann = served_sqlite.signed_in()
    oid = served_sqlite.shop.waiting[0]
    answer = ann.post(f"/instances/{oid}/actions", data={"event": "cancel.order"})
    assert answer.status_code == 403 and 'data-code="csrf_failed"' in answer.text
    forged = ann.post(f"/instances/{oid}/actions", data={"csrf": "x" * 32, "event": "cancel.order"})
    assert forged.status_code == 403
    trail = ann.get(f"/api/v1/instances/{oid}/history").json()
    assert "cancel.order" not in [e["event"] for e in trail]


def test_a_user_without_the_role_is_refused(served_sqlite: Served) -> None:
    carl = served_sqlite.signed_in("carl")
    oid = served_sqlite.shop.waiting[0]
    page = carl.get(f"/instances/{oid}")
    actions = page.text.split('<section class="actions">')[1].split("</section>")[0]
    assert "Approve order" not in actions and "Cancel order" in actions  # not offered
    answer = carl.post(f"/instances/{oid}/actions",
                       data={"csrf": _csrf(page.text), "event": "evt.payment.confirmed"})  # fmt: skip
    assert answer.status_code == 403
    assert "needs one of the roles" in answer.text and "CALLCENTERORDERCONFIRM" in answer.text
    dead = carl.get("/dead-letters")
    assert "Retrying needs the role" in dead.text or "No dead letters" in dead.text


def test_security_headers_and_no_inline_script_or_style(served_sqlite: Served) -> None:
    ann = served_sqlite.signed_in()
    for path in ("/", f"/instances/{served_sqlite.shop.in_transit[0]}", "/charts/yescart.order",
                 "/signin", "/dead-letters"):  # fmt: skip
        page = ann.get(path)
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert page.headers["x-frame-options"] == "DENY"
        assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)
        assert not re.search(r"\sstyle=|\son[a-z]+=", page.text), path
        assert "http://" not in page.text.replace("http://www.w3.org", "")  # no CDN
    js = ann.get("/static/console.js")
    assert js.status_code == 200 and "panZoom" in js.text


def test_a_new_password_ends_open_sessions(served_sqlite: Served) -> None:
    from engine.ops.users import set_password
    from engine.store.sql import SqlStore, WebStore

    ann = served_sqlite.signed_in()
    assert ann.get("/", follow_redirects=False).status_code == 200
    store = SqlStore(served_sqlite.url)
    try:
        set_password(WebStore(store), "ann", "another long password")
    finally:
        store.close()
    assert ann.get("/", follow_redirects=False).status_code == 303
    # signing out ends the session too
    carl = served_sqlite.signed_in("carl")
    csrf = _csrf(carl.get("/").text)
    carl.post("/signout", data={"csrf": csrf})
    assert carl.get("/", follow_redirects=False).status_code == 303


def test_the_trusted_header_mode(served_sqlite: Served) -> None:
    from starlette.testclient import TestClient

    from engine.web.app import create_app

    config = ServeConfig(db=served_sqlite.url, definitions=str(DEFINITIONS), secret="s",
                         trusted_header="X-Remote-User", trusted_proxies=("testclient",))  # fmt: skip
    with TestClient(create_app(config)) as c:
        page = c.get("/", headers={"X-Remote-User": "carl"})
        assert page.status_code == 200 and "carl" in page.text
        stranger = c.get("/", headers={"X-Remote-User": "mallory"})
        assert stranger.status_code == 403 and "not a statewise user" in stranger.text
    off = ServeConfig(db=served_sqlite.url, definitions=str(DEFINITIONS), secret="s")
    with TestClient(create_app(off)) as c:  # off by default: the header means nothing
        assert (
            c.get("/", headers={"X-Remote-User": "ann"}, follow_redirects=False).status_code == 303
        )


def test_errors_are_pages_for_people_and_problems_for_tools(served_sqlite: Served) -> None:
    ann = served_sqlite.signed_in()
    missing = ann.get("/instances/nope")
    assert missing.status_code == 404 and "no instance with id &#39;nope&#39;" in missing.text
    assert ann.get("/no/such/page").status_code == 404
    api: Any = ann.get("/api/v1/nope")
    assert api.status_code == 404 and api.json()["code"] == "not_found"
    found = ann.get(f"/find?q={served_sqlite.shop.keys[served_sqlite.shop.waiting[0]]}",
                    follow_redirects=False)  # fmt: skip
    assert found.headers["location"] == f"/instances/{served_sqlite.shop.waiting[0]}"


@pytest.mark.parametrize("chart", ["yescart.order", "collect.collect_in_store", "ats.order"])
def test_every_chart_page_renders_its_diagram_and_documentation(
    served_sqlite: Served, chart: str
) -> None:
    page = served_sqlite.signed_in().get(f"/charts/{chart}")
    assert page.status_code == 200
    assert '<svg class="sw-diagram"' in page.text and "Manual actions" in page.text
