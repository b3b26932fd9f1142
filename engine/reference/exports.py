"""Order export: exporters bound to eligibility milestones, per shop, and their runs.

Yes!Cart's ``orderAutoExportProcessor`` (yescart-osm §6): an order carries an export
eligibility (``INITPAID``, ``DELIVERY``, ``CANCELLED``, ``RETURNED`` or a custom milestone);
one run of the export job runs the shop's exporters bound to it, by priority. The first
exporter that names a next milestone sets it (chains like INITPAID -> EMAILNOTIFY); a
``manual_state`` exporter may also block the order for a person ("Export now"). Every run
is recorded with exporter id, milestone, result and message.

Reference exporters (``kind``):

* ``json_file``: writes ``<folder>/<shop>/<order>-<milestone>.json`` (the order and its
  payment amounts);
* ``email``: e-mails the order to the addresses in ``to`` (Yes!Cart's ``sup-order-new``);
* ``manual_state``: ``CURRENT=NEXT|BLOCK``: moves the milestone on, blocking if asked.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select

from engine.notify.messages import Message
from engine.reference import tables as t
from engine.reference.db import RefDb, TaskRefused, as_utc, decode, encode
from engine.reference.payments import ledger

if TYPE_CHECKING:
    from engine.notify.transports import Transport
    from engine.runtime import InstanceInfo
    from engine.service import TaskHandler

__all__ = ["KINDS", "Exporter", "Exports", "Run"]

KINDS = ("json_file", "email", "manual_state")


@dataclass(frozen=True, slots=True)
class Exporter:
    shop_code: str
    exporter_id: str
    kind: str
    milestone: str
    priority: int
    settings: Mapping[str, Any]
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Run:
    order_no: str
    exporter_id: str
    milestone: str
    result: str
    message: str
    next_milestone: str | None
    at: datetime


class Exports:
    """The exporter registry, the reference exporters and the ``export_order`` task."""

    def __init__(self, db: RefDb, *, folder: Path, mail: Transport | None = None) -> None:
        self.db = db
        self.folder = folder
        self.mail = mail

    # -- the registry -----------------------------------------------------------------
    def register(
        self,
        shop_code: str,
        exporter_id: str,
        *,
        kind: str,
        milestone: str,
        priority: int = 100,
        next_milestone: str | None = None,
        block: bool = False,
        to: Sequence[str] = (),
    ) -> Exporter:
        """Bind an exporter to a milestone of a shop (ValueError for a bad setting)."""
        if kind not in KINDS:
            raise ValueError(f"exporter kind must be one of {', '.join(KINDS)}")
        if kind == "email" and not to:
            raise ValueError("an e-mail exporter needs addresses (to=...)")
        if kind == "manual_state" and not next_milestone:
            raise ValueError("a manual_state exporter needs next_milestone")
        settings = {"next": next_milestone, "block": block, "to": list(to)}
        with self.db.begin() as conn:
            conn.execute(
                insert(t.exporters).values(
                    shop_code=shop_code,
                    exporter_id=exporter_id,
                    kind=kind,
                    milestone=milestone,
                    priority=priority,
                    settings=encode(settings),
                    enabled=True,
                )
            )
        return Exporter(shop_code, exporter_id, kind, milestone, priority, settings)

    def exporters(self, shop_code: str | None = None) -> list[Exporter]:
        with self.db.begin() as conn:
            return _exporters(conn, shop_code, None)

    def runs(self, order_no: str | None = None) -> list[Run]:
        query = select(
            t.export_runs.c.order_no,
            t.export_runs.c.exporter_id,
            t.export_runs.c.milestone,
            t.export_runs.c.result,
            t.export_runs.c.message,
            t.export_runs.c.next_milestone,
            t.export_runs.c.at,
        ).order_by(t.export_runs.c.id)
        if order_no is not None:
            query = query.where(t.export_runs.c.order_no == order_no)
        with self.db.begin() as conn:
            return [Run(*r[:-1], as_utc(r[-1])) for r in conn.execute(query)]

    def by_milestone(self) -> Counter[tuple[str, str]]:
        """How many exporter runs per (milestone, result)."""
        with self.db.begin() as conn:
            found = conn.execute(
                select(t.export_runs.c.milestone, t.export_runs.c.result, func.count()).group_by(
                    t.export_runs.c.milestone, t.export_runs.c.result
                )
            )
            return Counter({(m, r): int(n) for m, r, n in found})

    # -- the task ---------------------------------------------------------------------
    def export_order(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        order_no = str(input["order_no"])
        shop = str(input.get("shop_code", ""))
        milestone = str(input.get("eligibility") or "")

        def work(conn: Connection) -> Mapping[str, Any]:
            now = self.db.now()
            chosen: str | None = None
            block = False
            errors = []
            mails: list[dict[str, Any]] = []
            for exporter in _exporters(conn, shop, milestone):
                key = f"{idempotency_key}:{exporter.exporter_id}"
                try:
                    next_milestone, blocks, message = self._run(conn, exporter, input, key, mails)
                except (OSError, ValueError, RuntimeError) as exc:
                    errors.append(f"{exporter.exporter_id}: {exc}")
                    _record(conn, key, order_no, exporter, "error", str(exc), None, now)
                    continue
                if next_milestone and chosen is not None:
                    message += f"; next milestone {next_milestone} ignored (already {chosen})"
                elif next_milestone:
                    chosen, block = next_milestone, blocks
                _record(conn, key, order_no, exporter, "ok", message, next_milestone, now)
            if errors:
                raise TaskRefused("; ".join(errors), keep=True)
            return {"next_eligibility": chosen, "block": block, "mail": mails}

        answer = self.db.once(idempotency_key, "exports", "export_order", work)
        # e-mails leave after the commit, also when a repeated call gets the stored answer:
        # each carries its own key, so a transport that saw it before keeps one
        for mail in answer.pop("mail", ()):
            self._send(mail, instance)
        return answer

    def _send(self, mail: Mapping[str, Any], instance: InstanceInfo) -> None:
        if self.mail is None:
            raise TaskRefused("no e-mail transport for the e-mail exporter")
        message = Message(
            "email", tuple(mail["to"]), mail["subject"], mail["body"], "sup_order_new", instance.id
        )
        self.mail.send(message, idempotency_key=mail["key"])

    def tasks(self) -> dict[str, TaskHandler]:
        return {"export_order": self.export_order}

    def _run(
        self,
        conn: Connection,
        exporter: Exporter,
        order: Mapping[str, Any],
        key: str,
        mails: list[dict[str, Any]],
    ) -> tuple[str | None, bool, str]:
        next_milestone = exporter.settings.get("next")
        order_no = str(order["order_no"])
        if exporter.kind == "manual_state":
            block = bool(exporter.settings.get("block"))
            how = "blocked for a manual export" if block else "moved on"
            return next_milestone, block, f"{exporter.milestone} -> {next_milestone}, {how}"
        amounts = ledger.balance(conn, order_no)
        document = {
            "order": _plain(order),
            "milestone": exporter.milestone,
            "payments": {k: str(v) for k, v in amounts.as_result().items()},
            "exported_at": self.db.now().isoformat(),
        }
        if exporter.kind == "json_file":
            path = self.folder / exporter.shop_code / f"{order_no}-{exporter.milestone}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document, indent=2, sort_keys=True), encoding="utf-8")
            return next_milestone, False, f"wrote {path.name}"
        if self.mail is None:
            raise RuntimeError("no e-mail transport for the e-mail exporter")
        to = list(exporter.settings.get("to") or ())
        body = json.dumps(document["order"], indent=2, sort_keys=True)
        mails.append({"key": key, "to": to, "subject": f"New order {order_no}", "body": body})
        return next_milestone, False, f"e-mailed {', '.join(to)}"


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _exporters(conn: Connection, shop: str | None, milestone: str | None) -> list[Exporter]:
    query = select(
        t.exporters.c.shop_code,
        t.exporters.c.exporter_id,
        t.exporters.c.kind,
        t.exporters.c.milestone,
        t.exporters.c.priority,
        t.exporters.c.settings,
        t.exporters.c.enabled,
    ).order_by(t.exporters.c.shop_code, t.exporters.c.priority, t.exporters.c.exporter_id)
    if shop is not None:
        query = query.where(t.exporters.c.shop_code == shop)
    if milestone is not None:
        query = query.where(t.exporters.c.milestone == milestone, t.exporters.c.enabled)
    return [
        Exporter(s, e, k, m, p, decode(st), en) for s, e, k, m, p, st, en in conn.execute(query)
    ]


def _record(
    conn: Connection,
    key: str,
    order_no: str,
    exporter: Exporter,
    result: str,
    message: str,
    next_milestone: str | None,
    now: datetime,
) -> None:
    conn.execute(
        insert(t.export_runs).values(
            call_key=key,
            order_no=order_no,
            shop_code=exporter.shop_code,
            exporter_id=exporter.exporter_id,
            milestone=exporter.milestone,
            result=result,
            message=message,
            next_milestone=next_milestone,
            at=now,
        )
    )
