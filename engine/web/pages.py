"""The console's pages for many instances: home (every chart's queues), a chart (diagram and
documentation), a queue (select items, pick an action, confirm, see each item's result),
finding an instance, and the dead letters."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.responses import RedirectResponse, Response

from engine.ops.errors import OpsError
from engine.web.console import Page, page_endpoint

__all__ = ["bulk", "chart", "confirm", "dead_letters", "find", "home", "queue", "retry"]


def _home(p: Page) -> Response:
    from engine.ops.queues import overview

    found = overview(p.server.store, p.server.charts)
    return p.render("home.html", charts=found, query="")


def _find(p: Page) -> Response:
    """An instance by id, or by business key in any chart."""
    from engine.store.ports import InstanceNotFound

    text = (p.query("q") or "").strip()
    if text:
        try:
            return RedirectResponse(f"/instances/{p.server.store.load(text).id}", 303)
        except InstanceNotFound:
            pass
        for c in sorted({c.id for c in p.server.charts}):
            found = p.server.store.find(c, text)
            if found is not None:
                return RedirectResponse(f"/instances/{found.id}", 303)
    raise OpsError(f"no instance has the id or business key {text!r}", "not_found")


def _chart(p: Page) -> Response:
    from engine.ops.charts import chart_summary

    chart = p.server.chart(p.path("chart"))
    if chart is None:
        raise OpsError(f"no chart {p.path('chart')!r}", "not_found")
    counts = p.server.store.state_overview(chart.id)
    return p.render(
        "chart.html",
        chart=chart,
        summary=chart_summary(chart),
        svg=p.server.svg(chart),
        counts=counts,
        now=datetime.now(UTC),
    )


def _queue(p: Page) -> Response:
    from engine.ops.queues import queue_actions, queue_page

    chart_id, state = p.path("chart"), p.path("state")
    found = queue_page(
        p.server.store,
        p.server.charts,
        chart_id,
        state,
        after=p.query("after") or None,
        limit=p.server.config.page_size,
    )
    actions = queue_actions(found.chart, found.state, p.who.principal.roles)
    return p.render("queue.html", queue=found, actions=actions, after=p.query("after"))


def _confirm(p: Page) -> Response:
    """The confirmation before a bulk action: what will be sent to how many items."""
    from engine.ops.queues import queue_actions

    chart = p.server.chart(p.path("chart"))
    if chart is None:
        raise OpsError(f"no chart {p.path('chart')!r}", "not_found")
    try:
        state = chart.resolve(p.path("state"))
    except KeyError:
        raise OpsError(
            f"chart {chart.id!r} has no state {p.path('state')!r}", "not_found"
        ) from None
    ids = p.form.all("id")
    event = p.form.get("event")
    actions = {a.event: a for a in queue_actions(chart, state, p.who.principal.roles)}
    if not ids:
        raise OpsError("select at least one item, then choose the action", "usage")
    if event not in actions:
        raise OpsError(f"choose one of the actions: {', '.join(actions) or 'none'}", "usage")
    return p.render(
        "confirm.html",
        chart=chart,
        state=state,
        ids=ids,
        action=actions[event],
        note=p.form.get("note"),
        client_note=p.form.get("client_note"),
    )


def _bulk(p: Page) -> Response:
    from engine.ops.acting import send_bulk_as

    ids, event = p.form.all("id"), p.form.get("event")
    outcome = send_bulk_as(
        p.server.engine(),
        p.who.principal,
        ids,
        event,
        note=p.form.get("note"),
        client_note=p.form.get("client_note"),
    )
    return p.render(
        "results.html",
        outcome=outcome,
        event=event,
        back=p.form.get("back") or "/",
    )


def _dead_letters(p: Page) -> Response:
    from engine.ops.outbox import describe_effect

    items = p.server.store.dead_letters(200)
    rows = [(i, describe_effect(i.effect)) for i in items]
    return p.render("dead.html", rows=rows, done=p.query("retried"))


def _retry(p: Page) -> Response:
    from engine.ops.outbox import retry_all, retry_one

    p.who.principal.require_admin("retrying dead letters")
    item = p.form.get("item")
    retried = retry_all(p.server.store) if item == "*" else [item]
    if item != "*":
        retry_one(p.server.store, item)
    return RedirectResponse(f"/dead-letters?retried={len(retried)}", 303)


home = page_endpoint(_home)
find = page_endpoint(_find)
chart = page_endpoint(_chart)
queue = page_endpoint(_queue)
confirm = page_endpoint(_confirm)
bulk = page_endpoint(_bulk)
dead_letters = page_endpoint(_dead_letters)
retry = page_endpoint(_retry)
