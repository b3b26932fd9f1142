"""The HTTP API's OpenAPI 3.1 document, written by hand (served at /api/v1/openapi.json;
docs/api.md is generated from it by :mod:`engine.web.apidoc`).

Written, not generated from type hints: the document is the contract integrators read, so
it says what each call is for, what it checks and which problem codes it answers with; a
test checks that it names exactly the routes the server has.
"""

from __future__ import annotations

from typing import Any

from engine.web.problems import CODES

__all__ = ["OPERATIONS", "document"]

_OBJ: dict[str, Any] = {"type": "object"}
_STR: dict[str, Any] = {"type": "string"}
_STRS: dict[str, Any] = {"type": "array", "items": _STR}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: tuple[str, ...] = (), **props: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = list(required)
    return out


SCHEMAS: dict[str, Any] = {
    "Problem": _obj(
        ("type", "title", "status", "detail", "code"),
        type={**_STR, "description": "urn:statewise:problem:<code>"},
        title=_STR,
        status={"type": "integer"},
        detail={**_STR, "description": "what went wrong, in words, with the values"},
        code={"type": "string", "enum": sorted(CODES)},
        instance={**_STR, "description": "the path of the request"},
        reasons={**_STRS, "description": "refused events: one line per blocker"},
    ),
    "SendRequest": _obj(
        ("event",),
        event={**_STR, "description": "the event's name, e.g. evt.payment.ok"},
        data={**_OBJ, "description": "the event's data (checked against the chart's events)"},
        note={**_STR, "description": "the audit note (required where the chart says so)"},
        client_note={**_STR, "description": "what the customer is told (kept in the trail)"},
    ),
    "SendAccepted": _obj(
        ("id", "event", "status", "from_states", "to_states"),
        id=_STR,
        event=_STR,
        status={"type": "string", "enum": ["accepted"]},
        from_states=_STRS,
        to_states=_STRS,
    ),
    "StartRequest": _obj(
        context={**_OBJ, "description": "the instance's context (the chart's context fields)"},
        key={**_STR, "description": "the business key (unique per chart), e.g. the order number"},
    ),
    "Started": _obj(
        ("id", "chart", "states", "status"),
        id=_STR,
        chart=_STR,
        key={"type": ["string", "null"]},
        states=_STRS,
        status=_STR,
    ),
    "Action": _obj(
        ("event", "label", "roles", "note_required", "enabled", "reasons"),
        event=_STR,
        label=_STR,
        description={"type": ["string", "null"]},
        roles=_STRS,
        note_required={"type": "boolean"},
        enabled={"type": "boolean"},
        reasons={**_STRS, "description": "why it cannot be taken now, with the values"},
    ),
    "HistoryEntry": _obj(
        seq={"type": "integer"},
        kind={"type": "string", "enum": ["start", "event", "note", "forced", "log"]},
        event={"type": ["string", "null"]},
        data=_OBJ,
        from_states=_STRS,
        to_states=_STRS,
        actor={"type": ["string", "null"]},
        note={"type": ["string", "null"]},
        client_note={"type": ["string", "null"]},
        time={"type": "string", "format": "date-time"},
    ),
    "Instance": _obj(
        ("id", "chart", "version", "state", "status", "context"),
        id=_STR,
        chart=_STR,
        version={"type": "integer"},
        key={"type": ["string", "null"]},
        state={**_STR, "description": "the active leaf states, joined by ','"},
        states=_STRS,
        status={"type": "string", "enum": ["active", "done"]},
        context=_OBJ,
        timers={**_OBJ, "description": "timer id -> due time"},
        parent={"type": ["string", "null"]},
        history={"type": "array", "items": _ref("HistoryEntry")},
        children={"type": "array", "items": _OBJ},
        sent={"type": "array", "items": _OBJ, "description": "messages and other effects"},
        actions={"type": "array", "items": _ref("Action")},
    ),
    "Explanation": _obj(
        ("event", "accepted", "blockers", "candidates"),
        event=_STR,
        accepted={"type": "boolean"},
        ignored={"type": "boolean"},
        blockers={"type": "array", "items": _obj(code=_STR, message=_STR, transition=_STR)},
        candidates={
            "type": "array",
            "items": _obj(
                transition=_STR,
                source_active={"type": "boolean"},
                taken={"type": "boolean"},
                clauses={
                    "type": "array",
                    "items": _obj(text=_STR, passed={"type": "boolean"}, values=_OBJ),
                },
            ),
        },
    ),
    "ListingPage": _obj(
        ("items", "next"),
        items={
            "type": "array",
            "items": _obj(
                id=_STR,
                key={"type": ["string", "null"]},
                state=_STR,
                status=_STR,
                state_since={"type": "string", "format": "date-time"},
                age_seconds={"type": "number"},
            ),
        },
        next={"type": ["string", "null"], "description": "pass as ?after= for the next page"},
        count={"type": ["integer", "null"], "description": "items selected (at most 10000)"},
    ),
    "BulkRequest": _obj(
        ("ids", "event"),
        ids={**_STRS, "maxItems": 1000},
        event=_STR,
        data=_OBJ,
        note=_STR,
        client_note=_STR,
    ),
    "BulkResult": _obj(
        ("event", "summary", "results"),
        event=_STR,
        summary=_obj(
            accepted={"type": "integer"},
            refused={"type": "integer"},
            not_found={"type": "integer"},
            failed={"type": "integer"},
        ),
        results={
            "type": "array",
            "items": _obj(
                id=_STR,
                status={"type": "string", "enum": ["accepted", "refused", "not_found", "failed"]},
                from_states=_STRS,
                to_states=_STRS,
                reasons=_STRS,
            ),
        },
    ),
    "Chart": _obj(
        id=_STR,
        version={"type": "integer"},
        title={"type": ["string", "null"]},
        instances={"type": "integer"},
        queues={
            "type": "array",
            "items": _obj(
                state=_STR,
                name=_STR,
                count={"type": "integer"},
                oldest_age_seconds={"type": ["number", "null"]},
            ),
        },
    ),
    "OutboxItem": _obj(
        id=_STR,
        instance_id=_STR,
        effect=_STR,
        attempts={"type": "integer"},
        error={"type": ["string", "null"]},
        dead={"type": "boolean"},
    ),
}

_P_ID = {"name": "id", "in": "path", "required": True, "schema": _STR, "description": "instance id"}
_P_CHART = {"name": "chart", "in": "path", "required": True, "schema": _STR,
            "description": "chart id, e.g. yescart.order"}  # fmt: skip
_P_KEY = {"name": "key", "in": "path", "required": True, "schema": _STR,
          "description": "business key"}  # fmt: skip
_P_ITEM = {"name": "item", "in": "path", "required": True, "schema": _STR,
           "description": "outbox item id"}  # fmt: skip
_IDEM = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {**_STR, "maxLength": 200},
    "description": "apply the request once: a repeat with the same key (and the same body) "
    "returns the first answer (header Idempotent-Replayed: true) and changes nothing, also "
    "after a restart and across server processes",
}


def _q(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False,
            "schema": schema or _STR, "description": description}  # fmt: skip


#: (method, path, operationId, tag, summary, params, request schema, (status, schema), codes)
OPERATIONS: list[tuple[str, str, str, str, str, list[Any], str | None, tuple[int, Any], list[str]]]
OPERATIONS = [
    ("get", "/healthz", "health", "service", "Is the server up and its database reachable? "
     "(no sign-in)", [], None, (200, _obj(status=_STR, database=_STR)), []),
    ("get", "/api/v1/openapi.json", "openapi", "service", "This document (no sign-in)",
     [], None, (200, _OBJ), []),
    ("get", "/api/v1/me", "me", "service", "Who the caller is: name, kind, roles, a token's "
     "limits", [], None, (200, _obj(name=_STR, kind=_STR, roles=_STRS, charts=_STRS,
                                    events=_STRS)), []),
    ("get", "/api/v1/charts", "listCharts", "charts", "Every chart with its queues: count and "
     "the oldest item's age", [], None, (200, {"type": "array", "items": _ref("Chart")}), []),
    ("get", "/api/v1/charts/{chart}", "getChart", "charts", "A chart: states, queues, manual "
     "actions with their roles, events, and how many instances are in each state",
     [_P_CHART], None, (200, _OBJ), ["forbidden", "not_found"]),
    ("get", "/api/v1/charts/{chart}/instances", "listInstances", "instances", "A page of a "
     "chart's instances by state, state tag or spawn, longest waiting first in a state",
     [_P_CHART, _q("state", "a state of the chart (its descendants count too)"),
      _q("tag", "a state tag (metadata tags)"), _q("spawn", "the children of one spawn"),
      _q("status", "active or done"), _q("after", "the previous page's next"),
      _q("limit", "1 to 500 (default 50)", type="integer")], None,
     (200, _ref("ListingPage")), ["bad_request", "forbidden", "not_found"]),
    ("post", "/api/v1/charts/{chart}/instances", "startInstance", "instances", "Start an "
     "instance (a token listing the chart, or the admin role)", [_P_CHART, _IDEM],
     "StartRequest", (201, _ref("Started")),
     ["forbidden", "not_found", "conflict", "unprocessable", "idempotency_key_reused",
      "idempotency_in_progress"]),
    ("get", "/api/v1/charts/{chart}/keys/{key}", "getInstanceByKey", "instances", "The "
     "instance of a chart with a business key", [_P_CHART, _P_KEY], None,
     (200, _ref("Instance")), ["not_found"]),
    ("post", "/api/v1/charts/{chart}/keys/{key}/events", "sendEventByKey", "events", "Send an "
     "event to the instance with a business key (webhooks)", [_P_CHART, _P_KEY, _IDEM],
     "SendRequest", (200, _ref("SendAccepted")),
     ["forbidden", "not_found", "refused", "unprocessable", "idempotency_key_reused",
      "idempotency_in_progress"]),
    ("get", "/api/v1/instances/{id}", "getInstance", "instances", "An instance: state, "
     "context, history, timers, children, messages sent, the caller's actions", [_P_ID],
     None, (200, _ref("Instance")), ["not_found"]),
    ("post", "/api/v1/instances/{id}/events", "sendEvent", "events", "Send an event to an "
     "instance (webhooks: send an Idempotency-Key)", [_P_ID, _IDEM], "SendRequest",
     (200, _ref("SendAccepted")),
     ["forbidden", "not_found", "refused", "unprocessable", "idempotency_key_reused",
      "idempotency_in_progress"]),
    ("get", "/api/v1/instances/{id}/actions", "getActions", "events", "The manual actions "
     "the caller's roles may take now, enabled or not, with the reasons", [_P_ID], None,
     (200, {"type": "array", "items": _ref("Action")}), ["not_found"]),
    ("post", "/api/v1/instances/{id}/explain", "explainEvent", "events", "Why an event would "
     "(not) be taken now: every candidate transition, each guard clause with its values",
     [_P_ID], "SendRequest", (200, _ref("Explanation")), ["not_found"]),
    ("get", "/api/v1/instances/{id}/history", "getHistory", "instances", "The audit trail, "
     "oldest first", [_P_ID], None, (200, {"type": "array", "items": _ref("HistoryEntry")}),
     ["not_found"]),
    ("post", "/api/v1/instances/{id}/notes", "addNote", "instances", "Add a note to the "
     "audit trail", [_P_ID], "Note", (201, _obj(id=_STR, noted={"type": "boolean"})),
     ["not_found", "bad_request", "conflict"]),
    ("post", "/api/v1/bulk/events", "bulkSend", "events", "Send one event to many selected "
     "instances, each in its own transaction, with a result per item (at most 1000): "
     "`accepted`, `refused` (with the reasons), `not_found` (no instance has that id, e.g. "
     "archived meanwhile) or `failed`", [],
     "BulkRequest", (200, _ref("BulkResult")), ["bad_request", "forbidden"]),
    ("get", "/api/v1/status", "getStatus", "service", "The figures to monitor, as "
     "`statewise status --json` shows them: timers due and their lag, outbox items pending, "
     "retrying and dead and their lag, leases by worker, retention, clock offset, table "
     "sizes", [], None, (200, _OBJ), []),
    ("get", "/api/v1/outbox", "listOutbox", "outbox", "Effects still to be performed, or the "
     "dead letters (?dead=true)", [_q("dead", "true: the dead letters"),
                                   _q("limit", "1 to 500", type="integer")], None,
     (200, {"type": "array", "items": _ref("OutboxItem")}), ["forbidden"]),
    ("post", "/api/v1/outbox/{item}/retry", "retryDeadLetter", "outbox", "Hand one dead "
     "letter back to the workers (admin)", [_P_ITEM], None, (200, _obj(retried=_STRS)),
     ["forbidden", "not_found"]),
    ("post", "/api/v1/outbox/retry", "retryDeadLetters", "outbox", "Hand every dead letter "
     "back to the workers (admin)", [], None, (200, _obj(retried=_STRS)), ["forbidden"]),
]  # fmt: skip

SCHEMAS["Note"] = _obj(("text",), text=_STR)

_PUBLIC = {"health", "openapi"}


def _responses(ok: tuple[int, Any], codes: list[str], public: bool) -> dict[str, Any]:
    problem = {"application/problem+json": {"schema": _ref("Problem")}}
    out: dict[str, Any] = {
        str(ok[0]): {"description": "OK", "content": {"application/json": {"schema": ok[1]}}}
    }
    every = [] if public else ["unauthorized", "internal"]
    by_status: dict[int, list[str]] = {}
    for code in [*codes, *every]:
        by_status.setdefault(CODES[code][0], []).append(code)
    for status, names in sorted(by_status.items()):
        out[str(status)] = {"description": "problem: " + ", ".join(names), "content": problem}
    return out


def document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for method, path, op_id, tag, summary, params, request, ok, codes in OPERATIONS:
        op: dict[str, Any] = {
            "operationId": op_id,
            "tags": [tag],
            "summary": summary,
            "parameters": params,
            "responses": _responses(ok, codes, op_id in _PUBLIC),
        }
        if op_id in _PUBLIC:
            op["security"] = []
        if request is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(request)}},
            }
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "statewise API",
            "version": "1",
            "description": "Start instances, send events (webhooks with Idempotency-Key), "
            "read queues and instances, explain refusals, bulk-send, retry dead letters. "
            "Errors are problem details (RFC 9457) with a stable code.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an API token from `statewise tokens add` (sw_...)",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "sw_session",
                    "description": "the console's session; writes also need the "
                    "X-CSRF-Token header",
                },
            },
        },
    }
