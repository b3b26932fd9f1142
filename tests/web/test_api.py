"""The HTTP API on SQLite and PostgreSQL: sign-in rules, starting, sending (by id and by
chart and key), manual actions, explain, history, notes, listings, bulk sends, the outbox,
webhooks with Idempotency-Key, and problem details."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Served


def _problem(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert body["code"] == code and body["status"] == status
    assert body["type"] == f"urn:statewise:problem:{code}"
    assert body["detail"]
    return body


def test_health_needs_no_sign_in_and_everything_else_does(served: Served) -> None:
    c = served.client
    assert c.get("/healthz").json() == {"status": "ok", "database": "ok"}
    body = _problem(c.get("/api/v1/charts"), 401, "unauthorized")
    assert "Bearer" in body["detail"]
    assert c.get("/api/v1/charts").headers["www-authenticate"].startswith("Bearer")
    bad = {"Authorization": "Bearer sw_aaaaaaaaaaaa_" + "x" * 43}
    _problem(c.get("/api/v1/charts", headers=bad), 401, "unauthorized")
    _problem(c.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401, "unauthorized")
    assert c.get("/api/v1/openapi.json").json()["openapi"] == "3.1.0"


def test_charts_show_queues_with_counts_and_ages(served: Served) -> None:
    charts = {c["id"]: c for c in served.client.get("/api/v1/charts", headers=served.api()).json()}
    queues = {q["name"]: q for q in charts["yescart.order"]["queues"]}
    assert queues["Waiting for confirmation"]["count"] == 3
    assert queues["In progress"]["count"] == 4
    assert queues["Waiting for confirmation"]["oldest_age_seconds"] > 24 * 3600
    to_pack = {q["name"]: q for q in charts["yescart.delivery"]["queues"]}["To pack"]
    assert to_pack["count"] == len(served.shop.to_pack) == 7
    # a token limited to one chart sees only that chart
    limited = served.client.get("/api/v1/charts", headers=served.api("feed")).json()
    assert [c["id"] for c in limited] == ["yescart.delivery"]


def test_listing_pages_with_cursor_count_and_ageing(served: Served) -> None:
    c, h = served.client, served.api()
    url = "/api/v1/charts/yescart.delivery/instances?state=inventory_allocated&limit=3"
    first = c.get(url, headers=h).json()
    assert first["count"] == 7 and len(first["items"]) == 3 and first["next"]
    ages = [i["age_seconds"] for i in first["items"]]
    assert ages == sorted(ages, reverse=True)  # longest waiting first
    seen = [i["id"] for i in first["items"]]
    after = first["next"]
    while after:
        page = c.get(url + f"&after={after}", headers=h).json()
        seen += [i["id"] for i in page["items"]]
        after = page["next"]
    assert sorted(seen) == sorted(served.shop.to_pack)
    _problem(c.get(url + "&after=garbage", headers=h), 400, "bad_request")
    _problem(c.get("/api/v1/charts/nope/instances", headers=h), 404, "not_found")
    _problem(c.get(url.replace("inventory_allocated", "nowhere"), headers=h), 404, "not_found")
    _problem(
        c.get(url, headers=served.api("feed")).__class__
        and c.get("/api/v1/charts/yescart.order/instances", headers=served.api("feed")),
        403,
        "forbidden",
    )


def test_instance_by_id_and_by_key_with_actions_for_the_callers_roles(served: Served) -> None:
    c, h = served.client, served.api()
    oid = served.shop.waiting[0]
    key = served.shop.keys[oid]
    one = c.get(f"/api/v1/instances/{oid}", headers=h).json()
    by_key = c.get(f"/api/v1/charts/yescart.order/keys/{key}", headers=h).json()
    assert one["id"] == by_key["id"] == oid
    assert set(one["states"]) == {"order.status.open.placed.waiting.awaiting_confirmation",
                                  "order.export.export_idle"}  # fmt: skip
    assert one["context"]["order_no"] == key
    assert any(m["subject"] and m["status"] == "done" for m in one["sent"])
    assert [e["kind"] for e in one["history"]][:2] == ["start", "event"]
    labels = {a["label"] for a in one["actions"]}
    assert {"Approve order", "Cancel order"} <= labels
    carl = served.signed_in("carl")
    carl_actions = {a["label"] for a in carl.get(f"/api/v1/instances/{oid}/actions").json()}
    assert "Approve order" not in carl_actions and "Cancel order" in carl_actions
    _problem(c.get("/api/v1/instances/nope", headers=h), 404, "not_found")
    _problem(c.get("/api/v1/charts/yescart.order/keys/999", headers=h), 404, "not_found")


def test_sending_a_manual_action_with_both_notes(served: Served) -> None:
    c, h = served.client, served.api()
    oid = served.shop.waiting[0]
    body = {"event": "evt.payment.confirmed", "note": "paid by bank transfer",
            "client_note": "Thank you, your payment arrived."}  # fmt: skip
    answer = c.post(f"/api/v1/instances/{oid}/events", json=body, headers=h)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "accepted"
    assert (
        "order.status.open.placed.waiting.confirming" in answer.json()["to_states"]
    )  # the worker authorizes
    last = c.get(f"/api/v1/instances/{oid}/history", headers=h).json()
    step = next(e for e in last if e["event"] == "evt.payment.confirmed")
    assert step["actor"] == "token:backoffice"
    assert step["note"] == "paid by bank transfer"
    assert step["client_note"] == "Thank you, your payment arrived."


def test_a_refused_event_is_a_problem_with_the_reasons_and_values(served: Served) -> None:
    c, h = served.client, served.api()
    oid = served.shop.in_transit[0]
    answer = c.post(f"/api/v1/instances/{oid}/events", json={"event": "cancel.order"}, headers=h)
    body = _problem(answer, 422, "refused")
    assert any("deliveries_in_transit = 1" in r for r in body["reasons"]), body
    explained = c.post(f"/api/v1/instances/{oid}/explain", json={"event": "cancel.order"},
                       headers=h).json()  # fmt: skip
    assert explained["accepted"] is False
    clauses = [k for cand in explained["candidates"] for k in cand["clauses"]]
    assert {"text": "deliveries_in_transit == 0", "passed": False, "error": None,
            "values": {"deliveries_in_transit": 1}} in clauses  # fmt: skip


def test_a_role_the_chart_requires_is_checked_for_every_caller(served: Served) -> None:
    oid = served.shop.waiting[0]
    carl = served.signed_in("carl")
    csrf = carl.cookies.get("sw_session")
    assert csrf  # the session cookie; writes also need its CSRF token
    page = carl.get(f"/instances/{oid}")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    answer = carl.post(f"/api/v1/instances/{oid}/events", json={"event": "evt.payment.confirmed"},
                       headers={"X-CSRF-Token": token})  # fmt: skip
    body = _problem(answer, 403, "forbidden")
    assert "CALLCENTERORDERCONFIRM" in body["detail"] and "carl" in body["detail"]
    no_csrf = carl.post(f"/api/v1/instances/{oid}/events", json={"event": "cancel.order"})
    _problem(no_csrf, 403, "csrf_failed")
    # a person sends manual actions only; a token only what it lists
    _problem(carl.post(f"/api/v1/instances/{oid}/events", json={"event": "evt.refund.external"},
                       headers={"X-CSRF-Token": token}), 403, "forbidden")  # fmt: skip
    feed = served.api("feed")
    _problem(served.client.post(f"/api/v1/instances/{oid}/events", json={"event": "cancel.order"},
                                headers=feed), 404, "not_found")  # fmt: skip
    delivery = served.shop.to_pack[0]
    _problem(served.client.post(f"/api/v1/instances/{delivery}/events",
                                json={"event": "pack.delivery"}, headers=feed), 403, "forbidden")  # fmt: skip


def test_starting_an_instance(served: Served) -> None:
    from tests.web.shop import order_context

    c, h = served.client, served.api()
    body = {"context": order_context(200001, "offline_prepaid"), "key": "200001"}
    answer = c.post("/api/v1/charts/yescart.order/instances", json=body, headers=h)
    assert answer.status_code == 201, answer.text
    assert answer.json()["key"] == "200001"
    again = c.post("/api/v1/charts/yescart.order/instances", json=body, headers=h)
    _problem(again, 409, "conflict")
    bad = c.post("/api/v1/charts/yescart.order/instances", json={"context": {"x": 1}}, headers=h)
    _problem(bad, 422, "unprocessable")
    _problem(c.post("/api/v1/charts/yescart.order/instances", json=body,
                    headers=served.api("feed")), 403, "forbidden")  # fmt: skip
    _problem(c.post("/api/v1/charts/yescart.order/instances", content=b"[1]",
                    headers={**h, "content-type": "application/json"}), 400, "bad_request")  # fmt: skip
    _problem(c.post("/api/v1/charts/yescart.order/instances", content=b"x=1",
                    headers={**h, "content-type": "text/plain"}), 415, "unsupported_media_type")  # fmt: skip


def test_bulk_send_gives_a_result_per_item(served: Served) -> None:
    c, h = served.client, served.api()
    ids = [*served.shop.to_pack[:3], "no-such-instance"]
    answer = c.post("/api/v1/bulk/events", json={"ids": ids, "event": "pack.delivery",
                                                 "note": "morning batch"}, headers=h)  # fmt: skip
    body = answer.json()
    assert body["summary"] == {"accepted": 3, "refused": 0, "not_found": 1, "failed": 0}
    assert [r["status"] for r in body["results"]] == ["accepted"] * 3 + ["not_found"]
    assert body["results"][3]["reasons"] == ["no instance with id 'no-such-instance'"]
    again = c.post("/api/v1/bulk/events", json={"ids": ids[:2], "event": "pack.delivery"},
                   headers=h).json()  # fmt: skip
    assert again["summary"]["refused"] == 2
    assert "not active" in again["results"][0]["reasons"][0]


def test_notes_and_the_outbox(served: Served) -> None:
    c, h = served.client, served.api()
    oid = served.shop.waiting[1]
    assert c.post(f"/api/v1/instances/{oid}/notes", json={"text": "called the customer"},
                  headers=h).status_code == 201  # fmt: skip
    trail = c.get(f"/api/v1/instances/{oid}/history", headers=h).json()
    assert trail[-1]["kind"] == "note" and trail[-1]["note"] == "called the customer"
    _problem(c.post(f"/api/v1/instances/{oid}/notes", json={"text": " "}, headers=h), 400,
             "bad_request")  # fmt: skip
    assert c.get("/api/v1/outbox?dead=true", headers=h).json() == []
    _problem(c.post("/api/v1/outbox/nope/retry", headers=h), 404, "not_found")
    _problem(c.get("/api/v1/outbox", headers=served.api("feed")), 403, "forbidden")


@pytest.mark.parametrize("by_key", [False, True])
def test_a_webhook_with_a_repeated_key_is_applied_once(served: Served, by_key: bool) -> None:
    c = served.client
    delivery = served.shop.to_pack[0]
    key = served.shop.keys[delivery]
    path = (f"/api/v1/charts/yescart.delivery/keys/{key}/events" if by_key
            else f"/api/v1/instances/{delivery}/events")  # fmt: skip
    hook = {"event": "evt.delivery.update", "data": {"all_lines_delivered": False}}
    headers = {**served.api("feed"), "Idempotency-Key": "feed-0001"}
    first = c.post(path, json=hook, headers=headers)
    assert first.status_code == 200, first.text
    assert "Idempotent-Replayed" not in first.headers
    for _ in range(3):
        again = c.post(path, json=hook, headers=headers)
        assert again.status_code == 200 and again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
    trail = c.get(f"/api/v1/instances/{delivery}/history", headers=served.api()).json()
    assert [e["event"] for e in trail].count("evt.delivery.update") == 1
    other = c.post(path, json={**hook, "data": {"all_lines_delivered": True}}, headers=headers)
    _problem(other, 422, "idempotency_key_reused")
    # a refusal is an answer too: repeated, it stays the same refusal
    refused_headers = {**served.api("feed"), "Idempotency-Key": "feed-0002"}
    wrong = {"event": "evt.delivery.update", "data": {"nonsense": 1}}
    one = c.post(path, json=wrong, headers=refused_headers)
    two = c.post(path, json=wrong, headers=refused_headers)
    assert one.status_code == two.status_code == 422
    assert one.json() == two.json()


def test_a_revoked_token_stops_working_within_the_token_cache_time(served: Served) -> None:
    """A process trusts a token it verified for ``token_cache_seconds`` (5 s), then asks
    the database again: a revoked token stops working within that time."""
    from engine.ops.auth import TokenCache
    from engine.ops.users import revoke_token

    server = served.client.app.state.server  # type: ignore[attr-defined]
    now = [1000.0]
    server.tokens = TokenCache(5.0, clock=lambda: now[0])
    c, feed = served.client, served.api("feed")
    delivery = served.shop.to_pack[0]
    assert c.get(f"/api/v1/instances/{delivery}", headers=feed).status_code == 200
    revoke_token(server.web, "warehouse-feed")
    now[0] += 4.9  # still trusted by this process
    assert c.get(f"/api/v1/instances/{delivery}", headers=feed).status_code == 200
    now[0] += 0.2  # verified again: revoked
    _problem(c.get(f"/api/v1/instances/{delivery}", headers=feed), 401, "unauthorized")


def test_hostile_input_over_http_is_refused_and_changes_nothing(served: Served) -> None:
    """The API admits events as the library does (internal names, undeclared or oversized
    data are refused; issue 8) and a body nested past the JSON parser is a 400, not a 500."""
    c, h = served.client, served.api()
    oid = served.shop.waiting[0]
    before = c.get(f"/api/v1/instances/{oid}/history", headers=h).json()
    deep = b'{"event": "evt.payment.confirmed", "data": ' + b"[" * 60_000 + b"]" * 60_000 + b"}"
    _problem(c.post(f"/api/v1/instances/{oid}/events", content=deep,
                    headers={**h, "content-type": "application/json"}), 400, "bad_request")  # fmt: skip
    for event in ("after.order.status.open.placed.waiting.0", "done.invoke.authorize_payment"):
        body = _problem(c.post(f"/api/v1/instances/{oid}/events", json={"event": event},
                               headers=h), 422, "refused")  # fmt: skip
        assert any("outside" in r or "no call of it is waiting" in r for r in body["reasons"])
    body = _problem(c.post(f"/api/v1/instances/{oid}/events",
                           json={"event": "evt.payment.confirmed", "data": {"x": 1}},
                           headers=h), 422, "refused")  # fmt: skip
    assert any("takes no data" in r for r in body["reasons"]), body
    assert c.get(f"/api/v1/instances/{oid}/history", headers=h).json() == before


def test_the_status_figures(served: Served) -> None:
    answer = served.client.get("/api/v1/status", headers=served.api("feed"))
    assert answer.status_code == 200, answer.text
    figures = answer.json()
    assert {"timers_due", "timer_lag", "outbox_pending", "outbox_dead", "leases", "rows"} <= set(
        figures
    )
    assert figures["rows"]["statewise_instances"] >= 0 and abs(figures["clock_offset"]) < 5
    _problem(served.client.get("/api/v1/status"), 401, "unauthorized")
