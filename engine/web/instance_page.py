"""The console's instance page and what is done on it: an action (with its audit note and
client note), a note. A refused action is shown on the page with its reasons in words."""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from engine.ops.errors import OpsError
from engine.web.console import Page, page_endpoint

__all__ = ["act", "instance", "note"]


def _record(p: Page) -> Any:
    from engine.ops.instances import find_instance

    return find_instance(p.server.store, p.path("id"))


def _show(p: Page, record: Any, status: int = 200, **extra: Any) -> Response:
    from engine.ops.view import instance_view
    from renderers.live import mark_svg
    from renderers.overlay import path_marks

    view = instance_view(p.server.engine(), p.server.store, record, p.who.principal.roles)
    marks = path_marks(p.server.diagram(view.chart), view.path, current=view.leaves)
    svg = mark_svg(p.server.svg(view.chart), marks)
    values: dict[str, Any] = {"refused": None, "done": p.query("done"), "noted": p.query("noted")}
    values.update(extra)
    return p.render("instance.html", status, view=view, svg=svg, **values)


def _instance(p: Page) -> Response:
    return _show(p, _record(p))


def _act(p: Page) -> Response:
    """Press an action's button: the event with the audit note and the client note."""
    from engine.ops.acting import send_as

    record = _record(p)
    event = p.form.get("event")
    note, client_note = p.form.get("note"), p.form.get("client_note")
    result = send_as(
        p.server.engine(), p.who.principal, record, event, note=note, client_note=client_note
    )
    if result.accepted:
        return RedirectResponse(f"/instances/{record.id}?done={event}", 303)
    record = _record(p)  # as it is now
    refused = {"event": event, "reasons": result.reasons, "note": note, "client_note": client_note}
    return _show(p, record, 422, refused=refused)


def _note(p: Page) -> Response:
    from engine.ops.notes import add_note

    record = _record(p)
    text = p.form.get("text")
    if not text.strip():
        raise OpsError("the note is empty", "usage")
    add_note(p.server.store, record, text, actor=p.who.principal.actor)
    return RedirectResponse(f"/instances/{record.id}?noted=1", 303)


instance = page_endpoint(_instance)
act = page_endpoint(_act)
note = page_endpoint(_note)
