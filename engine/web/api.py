"""The HTTP API's handlers for instances: find, start, send (by id or by chart and business
key, with ``Idempotency-Key``), actions, explain, history, notes.

Each handler asks the operations layer and shapes its answer; the OpenAPI document
(:mod:`engine.web.openapi`) describes every one of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.ops.errors import OpsError
from engine.web.endpoints import Call, Reply, plain
from engine.web.problems import Problem

if TYPE_CHECKING:
    from engine.ops.idempotency import Answer
    from engine.ops.sending import SendResult
    from engine.store.records import InstanceRecord

__all__ = [
    "add_note",
    "explain_event",
    "get_actions",
    "get_history",
    "get_instance",
    "get_instance_by_key",
    "me",
    "send_event",
    "send_event_by_key",
    "start_instance",
]


def me(call: Call) -> Reply:
    """Who the caller is, with roles (and a token's limits)."""
    p = call.who.principal
    return Reply(
        {
            "name": p.name,
            "kind": p.kind,
            "roles": sorted(p.roles),
            "charts": sorted(p.charts),
            "events": sorted(p.events),
        }
    )


def _record(call: Call, instance_id: str | None = None) -> InstanceRecord:
    from engine.ops.instances import find_instance

    if instance_id is not None:
        record = find_instance(call.server.store, instance_id)
    else:
        record = find_instance(call.server.store, chart=call.path("chart"), key=call.path("key"))
    if not call.who.principal.sees(record.chart):
        raise OpsError(f"no instance with id {record.id!r}", "not_found")  # not even its name
    return record


def _view(call: Call, record: InstanceRecord) -> dict[str, Any]:
    from engine.ops.view import instance_view

    view = instance_view(call.server.engine(), call.server.store, record, call.who.principal.roles)
    return view.data()


def get_instance(call: Call) -> Reply:
    """An instance: state, context, history, timers, children, sent messages, actions."""
    return Reply(_view(call, _record(call, call.path("id"))))


def get_instance_by_key(call: Call) -> Reply:
    """The instance of a chart with a business key."""
    return Reply(_view(call, _record(call)))


def get_history(call: Call) -> Reply:
    """The audit trail, oldest first."""
    from engine.ops.history import audit_entry

    record = _record(call, call.path("id"))
    return Reply([audit_entry(r) for r in call.server.store.history(record.id)])


def get_actions(call: Call) -> Reply:
    """The manual actions the caller's roles may take now, enabled or not (with reasons)."""
    from engine.ops.actions import actions_for

    record = _record(call, call.path("id"))
    found = actions_for(call.server.engine(), record.id, call.who.principal.roles)
    return Reply([a.data() for a in found])


def explain_event(call: Call) -> Reply:
    """Why an event would (not) be taken now: each guard clause with its values."""
    from engine.ops.actions import explain

    record = _record(call, call.path("id"))
    event = call.text("event", required=True)
    assert event is not None
    return Reply(
        explain(
            call.server.engine(),
            record.id,
            event,
            call.mapping("data"),
            roles=call.who.principal.roles,
            note=call.text("note"),
        )
    )


def add_note(call: Call) -> Reply:
    """A note in the audit trail; the instance does not change."""
    from engine.ops.notes import add_note as note

    record = _record(call, call.path("id"))
    text = call.text("text", required=True) or ""
    note(call.server.store, record, text, actor=call.who.principal.actor)
    return Reply({"id": record.id, "noted": True}, 201)


# -- sending and starting, once per Idempotency-Key ----------------------------------------
def _once(call: Call, work: Any) -> Reply:
    from engine.ops.idempotency import once, request_hash

    key = call.request.headers.get("idempotency-key")
    if key is None:
        answer: Answer = work()
        return Reply(answer.body, answer.status)
    server = call.server
    fingerprint = request_hash(call.request.method, call.request.url.path, call.body)
    answer = once(server.store, server.web, call.who.principal.ident, key, fingerprint, work)
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    return Reply(answer.body, answer.status, headers)


def _sent(result: SendResult, path: str) -> Answer:
    from engine.ops.idempotency import Answer

    if result.accepted:
        return Answer(
            200,
            plain(
                {
                    "id": result.id,
                    "event": result.event,
                    "status": "accepted",
                    "from_states": result.from_states,
                    "to_states": result.to_states,
                }
            ),
        )
    if result.transient:  # nothing was saved; the sender should try again
        problem = Problem("unavailable", f"{result.event}: " + "; ".join(result.reasons))
        return Answer(problem.status, plain(problem.body(path)))
    code = "refused" if result.status == "refused" else "unprocessable"
    detail = f"{result.event} {result.status}: " + "; ".join(result.reasons)
    problem = Problem(code, detail, id=result.id, event=result.event, reasons=result.reasons)
    return Answer(problem.status, plain(problem.body(path)))


def _send(call: Call, target: str | tuple[str, str]) -> Reply:
    from engine.ops.acting import send_as

    event = call.text("event", required=True)
    assert event is not None
    data, note, client_note = call.mapping("data"), call.text("note"), call.text("client_note")
    key = call.request.headers.get("idempotency-key")
    path = call.request.url.path
    if key is not None:  # a webhook: one read, one commit (engine.ops.webhooks)
        from engine.ops.idempotency import request_hash
        from engine.ops.webhooks import send_once

        answer = send_once(
            call.server.engine(),
            call.server.web,
            call.who.principal,
            target,
            event,
            data,
            key=key,
            fingerprint=request_hash(call.request.method, path, call.body),
            answer_of=lambda result: _sent(result, path),
            note=note,
            client_note=client_note,
        )
        headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
        return Reply(answer.body, answer.status, headers)
    record = _record(call, target) if isinstance(target, str) else _record(call)
    result = send_as(call.server.engine(), call.who.principal, record, event, data,
                     note=note, client_note=client_note)  # fmt: skip
    answer = _sent(result, path)
    return Reply(answer.body, answer.status)


def send_event(call: Call) -> Reply:
    """Send an event to an instance (a webhook: repeat it with the same Idempotency-Key)."""
    return _send(call, call.path("id"))


def send_event_by_key(call: Call) -> Reply:
    """Send an event to the instance of a chart with a business key."""
    return _send(call, (call.path("chart"), call.path("key")))


def start_instance(call: Call) -> Reply:
    """Start an instance of a chart (its latest version), with a context and a key."""
    from engine.ops.acting import start_as
    from engine.ops.idempotency import Answer

    chart = call.path("chart")
    context, key = call.mapping("context"), call.text("key")

    def work() -> Answer:
        started = start_as(call.server.engine(), call.who.principal, chart, context, key)
        body = {"id": started.id, "chart": started.chart, "key": started.key,
                "states": list(started.leaf_states), "status": started.status}  # fmt: skip
        return Answer(201, plain(body))

    return _once(call, work)
