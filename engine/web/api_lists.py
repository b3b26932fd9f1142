"""The HTTP API's handlers for many things at once: charts with their queues, instance
listings (by state, tag or spawn, with counts, ageing and cursor paging), bulk sends with a
result per item, the outbox and its dead letters."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.ops.errors import OpsError
from engine.web.endpoints import Call, Reply

__all__ = [
    "bulk_send",
    "get_chart",
    "list_charts",
    "list_instances",
    "list_outbox",
    "retry_all",
    "retry_item",
]


def _limit(call: Call, default: int = 50) -> int:
    text = call.query("limit")
    if text is None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= 500:
        raise OpsError("limit: expected a number from 1 to 500", "usage")
    return int(text)


def list_charts(call: Call) -> Reply:
    """Every chart the caller may see, with its queues: count and oldest item's age."""
    from engine.ops.queues import overview

    p = call.who.principal
    charts = [c for c in call.server.charts if p.sees(c.id)]
    out = [
        {
            "id": q.chart.id,
            "version": q.chart.version,
            "title": q.chart.title,
            "instances": q.total,
            "queues": [
                {
                    "state": x.state,
                    "name": x.name,
                    "count": x.count,
                    "oldest_age_seconds": None if x.oldest is None else x.oldest.total_seconds(),
                }
                for x in q.queues
            ],
        }
        for q in overview(call.server.store, charts)
    ]
    return Reply(out)


def get_chart(call: Call) -> Reply:
    """A chart: states (queues, tags), manual actions with roles, events; per-state counts."""
    from engine.ops.charts import chart_summary

    chart_id = call.path("chart")
    call.who.principal.require_chart(chart_id)
    chart = call.server.chart(chart_id)
    if chart is None:
        raise OpsError(f"no chart {chart_id!r}", "not_found")
    counts = call.server.store.state_overview(chart_id)
    now = datetime.now(UTC)
    body = chart_summary(chart)
    body["counts"] = [
        {
            "state": c.state,
            "count": c.instances,
            "oldest_age_seconds": (now - c.oldest_since).total_seconds(),
        }
        for c in counts
    ]
    return Reply(body)


def list_instances(call: Call) -> Reply:
    """A page of a chart's instances, by state, state tag or spawn; ``next`` continues."""
    from engine.ops.select import Selection

    chart_id = call.path("chart")
    call.who.principal.require_chart(chart_id)
    if call.server.chart(chart_id) is None:
        raise OpsError(f"no chart {chart_id!r}", "not_found")
    status = call.query("status")
    if status not in (None, "active", "done"):
        raise OpsError("status: expected active or done", "usage")
    selection = Selection(
        call.server.store,
        chart_id,
        call.server.charts,
        state=call.query("state"),
        tag=call.query("tag"),
        spawn=call.query("spawn"),
        status=status,
    )
    page = selection.page(call.query("after"), _limit(call))
    count = None
    if selection.states is not None:
        count = sum(call.server.store.count_in_state(chart_id, s, 10_000) for s in selection.states)
    items = [
        {
            "id": s.id,
            "key": s.key,
            "version": s.version,
            "state": s.state,
            "status": s.status,
            "parent": s.parent,
            "state_since": s.state_since,
            "age_seconds": s.time_in_state.total_seconds(),
            "created": s.created,
            "updated": s.updated,
        }
        for s in page.items
    ]
    return Reply({"items": items, "next": page.next, "count": count})


def bulk_send(call: Call) -> Reply:
    """One event to many instances, each in its own transaction, with a result per item."""
    from engine.ops.acting import send_bulk_as

    ids = call.body.get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise OpsError("'ids' must be a list of instance ids", "usage")
    event = call.text("event", required=True) or ""
    outcome = send_bulk_as(
        call.server.engine(),
        call.who.principal,
        ids,
        event,
        call.mapping("data"),
        note=call.text("note"),
        client_note=call.text("client_note"),
    )
    results = [
        {
            "id": r.id,
            "status": r.status,
            "from_states": r.from_states,
            "to_states": r.to_states,
            "reasons": r.reasons,
        }
        for r in outcome.results
    ]
    summary = {s: len(outcome.of(s)) for s in ("accepted", "refused", "not_found", "failed")}
    return Reply({"event": event, "summary": summary, "results": results})


def get_status(call: Call) -> Reply:
    """The figures to monitor, as ``statewise status --json`` shows them: queue depth, lag,
    dead letters, leases, retention, clock offset, table sizes (any signed-in caller)."""
    from engine.ops.metrics import health

    return Reply(health(call.server.store).as_dict())


def list_outbox(call: Call) -> Reply:
    """Effects still to be performed, or (``dead=true``) the dead letters."""
    from engine.ops.outbox import describe_effect

    if call.who.principal.kind == "token":
        call.who.principal.require_admin("reading the outbox")
    store = call.server.store
    dead = call.query("dead") in ("1", "true", "yes")
    items = store.dead_letters(_limit(call)) if dead else store.pending_outbox(_limit(call))
    return Reply(
        [
            {
                "id": i.id,
                "instance_id": i.instance_id,
                "effect": describe_effect(i.effect),
                "attempts": i.attempts,
                "error": i.error,
                "dead": dead,
            }
            for i in items
        ]
    )


def retry_item(call: Call) -> Reply:
    """Hand one dead letter back to the workers."""
    from engine.ops.outbox import retry_one

    call.who.principal.require_admin("retrying a dead letter")
    retry_one(call.server.store, call.path("item"))
    return Reply({"retried": [call.path("item")]})


def retry_all(call: Call) -> Reply:
    """Hand every dead letter back to the workers."""
    from engine.ops.outbox import retry_all as again

    call.who.principal.require_admin("retrying dead letters")
    return Reply({"retried": again(call.server.store)})
