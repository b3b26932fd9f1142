"""A Salesforce-like CRM for the ATS online store (seed-systems (c) C.4-C.7).

The integration sends each placed order (``crm_send_order``): the CRM creates the
opportunity and quote/order and answers the Salesforce order number and the quote status:
``evaluation_pending`` (EVAL repair), ``quote_hold`` (priced repair) or ``order_accepted``
(new products). ``crm_quote_status`` reports how the quote moved on since: an evaluation
completes (``presented``) after ``evaluation_time``, the customer accepts a priced quote
(``accepted``) or agrees to the repair fee of an EVAL (``repriced``, with the number of the
new priced order and the fee, :func:`repair_fee`) after ``approval_time``, and fulfilment starts (``fulfilment``) after
``fulfilment_time``. ``mark_salesforce_paid`` ticks "Paid?" on the Salesforce order.

:meth:`Crm.set_outage` makes every call fail (the integration is down), so orders stay in
Order Placed and the CSR path happens. ``csr_manual_entry`` and ``reauthorize_card`` are
people's work: the handler queues it (:meth:`Crm.open_tasks`) and answers later, when a
CSR has done it (:meth:`Crm.enter_manually`, :meth:`Crm.reauthorized`).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, select, update

from engine.reference import tables as t
from engine.reference.db import RefDb, TaskRefused, as_utc

if TYPE_CHECKING:
    from engine.runtime import InstanceInfo
    from engine.service import TaskHandler

__all__ = ["Crm", "CrmTask", "repair_fee"]

OUTAGE = "outage"
FIRST_STATUS = {
    "eval_repair": "evaluation_pending",
    "priced_repair": "quote_hold",
    "new_product": "order_accepted",
}


@dataclass(frozen=True, slots=True)
class CrmTask:
    """A piece of people's work: ``manual_entry`` (CSR) or ``reauthorize`` (supervisor)."""

    id: int
    order_id: str
    kind: str
    instance_id: str
    created: datetime


class Crm:
    """The CRM's opportunities, its switch to failing and its queue of people's work."""

    def __init__(
        self,
        db: RefDb,
        *,
        evaluation_time: timedelta = timedelta(hours=2),
        approval_time: timedelta = timedelta(hours=1),
        fulfilment_time: timedelta = timedelta(minutes=30),
    ) -> None:
        self.db = db
        self.evaluation_time = evaluation_time
        self.approval_time = approval_time
        self.fulfilment_time = fulfilment_time

    # -- switches and people's work ---------------------------------------------------
    def set_outage(self, message: str | None) -> None:
        """Make every CRM call fail with ``message``; ``None`` ends the outage."""
        with self.db.begin() as conn:
            conn.execute(delete(t.crm_settings).where(t.crm_settings.c.name == OUTAGE))
            if message:
                conn.execute(insert(t.crm_settings).values(name=OUTAGE, value=message))

    def outage(self) -> str | None:
        with self.db.begin() as conn:
            return _outage(conn)

    def open_tasks(self, kind: str | None = None) -> list[CrmTask]:
        query = select(
            t.crm_tasks.c.id,
            t.crm_tasks.c.order_id,
            t.crm_tasks.c.kind,
            t.crm_tasks.c.instance_id,
            t.crm_tasks.c.created,
        ).where(t.crm_tasks.c.done.is_(None))
        if kind is not None:
            query = query.where(t.crm_tasks.c.kind == kind)
        with self.db.begin() as conn:
            found = conn.execute(query.order_by(t.crm_tasks.c.id))
            return [CrmTask(i, o, k, iid, as_utc(c)) for i, o, k, iid, c in found]

    def enter_manually(self, task: CrmTask, order_type: str) -> str:
        """A CSR entered the order in Salesforce by hand; returns its order number."""
        with self.db.begin() as conn:
            number = _create(conn, task.order_id, order_type, "csr", self._due, self.db.now())
            _finish(conn, task.id, self.db.now())
            return number

    def reauthorized(self, task: CrmTask) -> None:
        """The supervisor re-authorised the card."""
        with self.db.begin() as conn:
            _finish(conn, task.id, self.db.now())

    def opportunities(self) -> dict[str, int]:
        """How many opportunities per quote status."""
        with self.db.begin() as conn:
            found = conn.execute(
                select(t.crm_opportunities.c.quote_status, func.count()).group_by(
                    t.crm_opportunities.c.quote_status
                )
            )
            return {status: int(n) for status, n in found}

    # -- task handlers ----------------------------------------------------------------
    def crm_send_order(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        order_id = str(input["order_id"])
        order_type = str(input.get("order_type", "new_product"))

        def work(conn: Connection) -> Mapping[str, Any]:
            _check(conn)
            now = self.db.now()
            number = _create(conn, order_id, order_type, "integration", self._due, now)
            row = _opportunity(conn, order_id)
            return {"salesforce_order_no": number, "quote_status": _first(row.quote_status)}

        return self.db.once(idempotency_key, "crm", "send_order", work)

    def crm_quote_status(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        order_id = str(input["order_id"])

        def work(conn: Connection) -> Mapping[str, Any]:
            _check(conn)
            row = _opportunity(conn, order_id)
            if row is None:
                raise TaskRefused(f"Salesforce has no order for {order_id}")
            status, new_order = self._advance(conn, order_id, row)
            fee = None if new_order is None else repair_fee(order_id)
            return {"quote_status": status, "new_order_id": new_order, "price": fee}

        return self.db.once(idempotency_key, "crm", "quote_status", work)

    def mark_salesforce_paid(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        order_id = str(input["order_id"])

        def work(conn: Connection) -> Mapping[str, Any]:
            _check(conn)
            changed = conn.execute(
                update(t.crm_opportunities)
                .where(t.crm_opportunities.c.order_id == order_id)
                .values(paid=True)
            ).rowcount
            if not changed:
                raise TaskRefused(f"Salesforce has no order for {order_id}")
            return {}

        return self.db.once(idempotency_key, "crm", "mark_paid", work)

    def csr_manual_entry(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any] | None:
        self._queue(idempotency_key, "manual_entry", input, instance)
        return None  # a CSR answers later (done.invoke.csr_manual_entry)

    def reauthorize_card(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any] | None:
        self._queue(idempotency_key, "reauthorize", input, instance)
        return None  # the supervisor answers later (done.invoke.reauthorize_card)

    def tasks(self) -> dict[str, TaskHandler]:
        return {
            "crm_send_order": self.crm_send_order,
            "crm_quote_status": self.crm_quote_status,
            "mark_salesforce_paid": self.mark_salesforce_paid,
            "csr_manual_entry": self.csr_manual_entry,
            "reauthorize_card": self.reauthorize_card,
        }

    # -- internals --------------------------------------------------------------------
    def _queue(self, key: str, kind: str, input: Mapping[str, Any], instance: InstanceInfo) -> None:
        def work(conn: Connection) -> Mapping[str, Any]:
            conn.execute(
                insert(t.crm_tasks).values(
                    call_key=key,
                    order_id=str(input["order_id"]),
                    kind=kind,
                    instance_id=instance.id,
                    created=self.db.now(),
                    done=None,
                )
            )
            return {}

        self.db.once(key, "crm", kind, work)

    def _due(self, status: str, now: datetime) -> datetime | None:
        wait = {
            "evaluation_pending": self.evaluation_time,
            "presented": self.approval_time,
            "quote_hold": self.approval_time,
            "order_accepted": self.fulfilment_time,
        }.get(status)
        return None if wait is None else now + wait

    def _advance(self, conn: Connection, order_id: str, row: Any) -> tuple[str, str | None]:
        status, due, new_order = row.quote_status, row.next_change, row.new_order_id
        now = self.db.now()
        if due is not None and now >= as_utc(due):
            if status == "evaluation_pending":
                status = "presented"  # evaluation complete, priced quote presented
            elif status == "presented":
                status, new_order = "repriced", f"{order_id}-R"  # the fee was agreed
            elif status == "quote_hold":
                status = "accepted"
            elif status == "order_accepted":
                status = "fulfilment"
            conn.execute(
                update(t.crm_opportunities)
                .where(t.crm_opportunities.c.order_id == order_id)
                .values(
                    quote_status=status, next_change=self._due(status, now), new_order_id=new_order
                )
            )
        return status, new_order


def repair_fee(order_id: str) -> Decimal:
    """The fee the technicians quote after evaluating an EVAL repair: 95.00 to 894.00,
    the same for the same order (a real evaluation prices the fault it finds)."""
    return Decimal(95 + zlib.crc32(order_id.encode()) % 800).quantize(Decimal("0.01"))


def _first(status: str) -> str:
    """What the integration reports when it sends the order (the first quote status)."""
    return status if status in FIRST_STATUS.values() else "order_accepted"


def _outage(conn: Connection) -> str | None:
    value = conn.execute(
        select(t.crm_settings.c.value).where(t.crm_settings.c.name == OUTAGE)
    ).scalar()
    return None if value is None else str(value)


def _check(conn: Connection) -> None:
    message = _outage(conn)
    if message is not None:
        raise TaskRefused(f"Salesforce is not answering: {message}")


def _opportunity(conn: Connection, order_id: str) -> Any:
    c = t.crm_opportunities.c
    return conn.execute(
        select(c.salesforce_order_no, c.quote_status, c.next_change, c.new_order_id).where(
            c.order_id == order_id
        )
    ).first()


def _create(
    conn: Connection, order_id: str, order_type: str, by: str, due: Any, now: datetime
) -> str:
    """The opportunity of ``order_id`` (created now if there is none); its order number."""
    found = _opportunity(conn, order_id)
    if found is not None:
        return str(found.salesforce_order_no)
    number = f"SF-{order_id}"
    status = FIRST_STATUS.get(order_type, "order_accepted")
    conn.execute(
        insert(t.crm_opportunities).values(
            order_id=order_id,
            salesforce_order_no=number,
            order_type=order_type,
            quote_status=status,
            entered_by=by,
            created=now,
            next_change=due(status, now),
            new_order_id=None,
            paid=False,
        )
    )
    return number


def _finish(conn: Connection, task_id: int, now: datetime) -> None:
    conn.execute(update(t.crm_tasks).where(t.crm_tasks.c.id == task_id).values(done=now))
