"""The archived document of a finished instance: its row and its audit trail as one JSON object.

The same document is stored in ``statewise_archive.record`` and written, one per line, by
``statewise archive export`` (JSON Lines)::

    {"format": 1, "id": "...", "chart": "shop.order", "chart_version": 3,
     "business_key": "A-17", "parent": null, "spawn": null,
     "configuration": ["completed"], "state": "completed", "state_since": "2026-...",
     "context": {...}, "history": {}, "timers": {}, "calls": {}, "done": true, "status": "done",
     "row_version": 9, "created": "2026-...", "updated": "2026-...",
     "audit": [{"seq": 1, "line": 0, "kind": "start", "event": null, "data": {},
                "from": [], "to": ["pending"], "actor": null, "note": null,
                "client_note": null, "time": "2026-...", "origin": null, "roles": null,
                "changes": null, "effects": null}, ...]}

Times are ISO 8601 with their offset. ``context``, ``history``, ``timers`` and each line's
``data``, ``roles``, ``changes`` and ``effects`` are the store's JSON (:mod:`.codec`; the
last three null where the step did not record them): plain JSON, except values JSON cannot
hold (decimals, times...), which are one-key objects such as ``{"$dec": "12.50"}``. The
stored JSON text is spliced in as it is (nothing is decoded and encoded again), so
archiving costs little more than copying.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from engine.store.records import AuditKind, AuditRecord

__all__ = ["FORMAT", "archive_record", "audit_from_record"]

FORMAT = 1
_dumps = json.dumps


def archive_record(
    row: Sequence[Any], trail: Sequence[Sequence[Any]], read_time: Callable[[Any], datetime]
) -> str:
    """The document of one instance: ``row`` in the store's instance columns (then state and
    state_since), ``trail`` its audit rows (seq, line, kind, event, data, from, to, actor,
    note, client_note, time, origin, roles, changes, effects), oldest first."""
    (iid, chart, version, key, parent, spawn, conf, ctx, hist, tmr, calls, done, status, rv,
     created, updated, state, since) = row  # fmt: skip

    def t(value: Any) -> str:
        return _dumps(read_time(value).isoformat())

    def raw(text: str | None) -> str:
        return "null" if text is None else text

    lines = [
        f'{{"seq":{seq},"line":{line},"kind":{_dumps(kind)},"event":{_dumps(event)},'
        f'"data":{data},"from":{before},"to":{after},"actor":{_dumps(actor)},'
        f'"note":{_dumps(note)},"client_note":{_dumps(client)},"time":{t(at)},'
        f'"origin":{_dumps(origin)},"roles":{raw(roles)},"changes":{raw(changes)},'
        f'"effects":{raw(effects)}}}'
        for (
            seq,
            line,
            kind,
            event,
            data,
            before,
            after,
            actor,
            note,
            client,
            at,
            origin,
            roles,
            changes,
            effects,
        ) in trail
    ]
    return (
        f'{{"format":{FORMAT},"id":{_dumps(iid)},"chart":{_dumps(chart)},'
        f'"chart_version":{int(version)},"business_key":{_dumps(key)},'
        f'"parent":{_dumps(parent)},"spawn":{_dumps(spawn)},"configuration":{conf},'
        f'"state":{_dumps(state)},"state_since":{t(since)},"context":{ctx},'
        f'"history":{hist},"timers":{tmr},"calls":{raw(calls)},"done":{_dumps(bool(done))},'
        f'"status":{_dumps(status)},"row_version":{int(rv)},"created":{t(created)},'
        f'"updated":{t(updated)},"audit":[{",".join(lines)}]}}'
    )


def audit_from_record(document: Mapping[str, Any]) -> tuple[AuditRecord, ...]:
    """The audit trail of an archived document (read with the codec, so ``data`` holds
    the values the steps had: decimals, times...)."""
    iid = document["id"]
    return tuple(
        AuditRecord(
            iid,
            line["seq"],
            line["event"],
            line["data"],
            tuple(line["from"]),
            tuple(line["to"]),
            line["actor"],
            line["note"],
            line["client_note"],
            datetime.fromisoformat(line["time"]),
            cast(AuditKind, line["kind"]),
            line.get("origin"),
            None if line.get("roles") is None else tuple(line["roles"]),
            line.get("changes"),
            line.get("effects"),
        )
        for line in document["audit"]
    )
