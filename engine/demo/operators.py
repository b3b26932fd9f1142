"""Operators with roles working their queues in rounds, during their working hours.

Each team looks at the queues it owns (the instances of a chart in a state, longest waiting
first, as ``statewise instances --state`` lists them), takes the items that have waited
long enough, and presses the button its role allows, up to its capacity per round. Which
share of a queue a team acts on is decided per item from the seed (the stores confirm most
collect orders, reject some and leave the rest to expire).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.demo.driver import Driver

__all__ = ["TEAMS", "Queue", "Team", "work_round"]


def office(when: datetime) -> bool:
    """Weekdays 08:00 to 18:00."""
    return when.weekday() < 5 and 8 <= when.hour < 18


def store_hours(when: datetime) -> bool:
    """Monday to Saturday 09:00 to 17:00."""
    return when.weekday() < 6 and 9 <= when.hour < 17


@dataclass(frozen=True, slots=True)
class Queue:
    chart: str
    leaf: str
    event: str
    wait: timedelta
    band: tuple[float, float] = (0.0, 1.0)
    note: str | None = None
    data: Mapping[str, Any] | None = None
    #: a further test of the item (the operator looks at the order before pressing)
    when: Callable[[Driver, str], bool] | None = None


#: refund retries an operator makes before handing the order to the call centre
RETRIES = 3


def _retry_refund(d: Driver, instance_id: str) -> bool:
    """Retry while the gateway can refund and the order was not retried too often."""
    mode = d.engine.get(instance_id).context["payment_mode"]
    if mode == "external_form" or d.retried[instance_id] >= RETRIES:
        return False
    d.retried[instance_id] += 1
    return True


def _refund_by_hand(d: Driver, instance_id: str) -> bool:
    """A manual refund when the gateway cannot refund, or retrying did not help."""
    mode = d.engine.get(instance_id).context["payment_mode"]
    return mode == "external_form" or d.retried[instance_id] >= RETRIES


@dataclass(frozen=True, slots=True)
class Team:
    name: str
    roles: frozenset[str]
    on_duty: Callable[[datetime], bool]
    capacity: int
    queues: tuple[Queue, ...]


def _q(chart: str, leaf: str, event: str, minutes: float, **more: Any) -> Queue:
    return Queue(chart, leaf, event, timedelta(minutes=minutes), **more)


DELIVERY, ORDER, QUOTE = "yescart.delivery", "yescart.order", "yescart.quote"
EMAIL, PRINT = "ustore.email_item", "ustore.print_item"
TEAMS: tuple[Team, ...] = (
    Team("warehouse", frozenset({"CALLCENTERORDERPROCESS"}), office, 120, (
        _q(DELIVERY, "inventory_allocated", "pack.delivery", 20),
        _q(DELIVERY, "packing", "mark.ready.for.shipment", 30),
        _q(DELIVERY, "shipment_ready", "start.shipment", 20),
        _q(DELIVERY, "shipment_inprogress", "mark.shipped", 120),
        _q(DELIVERY, "shipment_inprogress_waiting_payment", "mark.shipped", 180),
    )),
    Team("order processing", frozenset({"CALLCENTERORDERPROCESS"}), office, 40, (
        _q(ORDER, "refund_due", "cancel.order.refund", 60, when=_retry_refund),
        _q(ORDER, "return_refund_due", "cancel.order.refund", 60, when=_retry_refund),
    )),
    Team("call centre", frozenset({"CALLCENTERORDERCONFIRM"}), office, 40, (
        _q(ORDER, "awaiting_confirmation", "evt.payment.confirmed", 30, band=(0.0, 0.95)),
        _q(DELIVERY, "shipment_ready_waiting_payment", "start.shipment.manual.payment", 60,
           note="Paid by bank transfer, checked by phone"),
        _q(ORDER, "refund_due", "cancel.order.manual.refund", 30, note="Refunded by bank transfer",
           when=_refund_by_hand),
        _q(ORDER, "return_refund_due", "cancel.order.manual.refund", 30,
           note="Refunded by bank transfer", when=_refund_by_hand),
    )),
    Team("shop admin", frozenset({"SHOPADMIN"}), office, 20, (
        _q(ORDER, "waiting_approve", "preapprove.order", 60),
    )),
    Team("quotes desk", frozenset({"SHOPADMIN"}), office, 10, (
        _q(QUOTE, "submitted", "review.quote", 30),
        _q(QUOTE, "under_review", "offer.discount", 60, band=(0.0, 0.85),
           data={"percent": "7.5"}, note="Our volume discount"),
        _q(QUOTE, "under_review", "reject.quote", 60, band=(0.85, 1.0),
           note="Not a volume we can discount"),
    )),
    Team("uStore operators", frozenset({"operator"}), office, 120, (
        _q(EMAIL, "pending", "schedule", 30),
        _q(EMAIL, "scheduled", "process", 20),
        _q(EMAIL, "sent", "archive", 240),
        _q(EMAIL, "failed", "retry", 60),
        _q(PRINT, "pending", "prepare", 30),
        _q(PRINT, "ready_to_produce", "process", 20),
        _q(PRINT, "ready_for_delivery", "archive", 180),
        _q(PRINT, "failed_jobs", "move_to_pending", 60),
    )),
    Team("store staff", frozenset({"store_staff"}), store_hours, 60, (
        _q("collect.collect_in_store", "mapping_failed", "use_customer", 30,
           data={"customer_no": "CASH"}, note="No walk-in customer set up: the cash customer"),
        _q("collect.collect_in_store", "processing_pending", "confirm", 45, band=(0.0, 0.7)),
        _q("collect.collect_in_store", "processing_pending", "reject", 45, band=(0.7, 0.8)),
        _q("collect.send_to_store", "post_processing_done", "archive", 120),
        *(_q("collect.collect_in_store", leaf, "archive", 120)
          for leaf in ("delivered", "delivery_expired", "processing_rejected", "processing_expired")),
    )),
    Team("CSR", frozenset({"csr"}), office, 40, (
        _q("ats.order", "in_process", "complete", 120, band=(0.0, 0.9)),
    )),
)  # fmt: skip


def _share(seed: int, key: str, queue: Queue) -> float:
    return (zlib.crc32(f"{seed}:{queue.chart}:{queue.leaf}:{key}".encode()) % 10_000) / 10_000


def work_round(d: Driver, now: datetime, seed: int) -> int:
    """One round of every team on duty; returns how many buttons were pressed."""
    pressed = 0
    for team in TEAMS:
        if not team.on_duty(now):
            continue
        left = team.capacity
        for queue in team.queues:
            if left <= 0:
                break
            for item in _waiting(d, queue, now, limit=left * 2):
                if left <= 0:
                    break
                share = _share(seed, item.key or item.id, queue)
                if not queue.band[0] <= share < queue.band[1]:
                    continue
                if queue.when is not None and not queue.when(d, item.id):
                    continue
                left -= 1
                pressed += d.send(
                    queue.chart,
                    item.key or "",
                    queue.event,
                    queue.data,
                    actor=team.name,
                    roles=team.roles,
                    note=queue.note,
                    instance_id=item.id,
                )
    if office(now):
        pressed += _crm_work(d, now) + _export_work(d, now)
    return pressed + _priced_reorders(d, now) + _quote_answers(d, now, seed)


def _quote_answers(d: Driver, now: datetime, seed: int) -> int:
    """Customers answer offers on the storefront: most accept (the quote starts the order,
    then they pay it), some decline, the rest let the offer run towards its expiry."""
    from engine.demo.mix_yescart import promoted_order

    quoted = _q(QUOTE, "quoted", "quote.accepted", 90)
    done = 0
    for item in _waiting(d, quoted, now, limit=50):
        key = item.key or ""
        share = _share(seed, key, quoted)
        if share < 0.7:
            done += d.send(QUOTE, key, "quote.accepted", {"order_no": promoted_order(key)},
                           actor="storefront", instance_id=item.id)  # fmt: skip
        elif share < 0.9:
            done += d.send(QUOTE, key, "quote.declined", actor="storefront", instance_id=item.id)
    unpaid = _q(ORDER, "none", "evt.pending", 10)
    for item in _waiting(d, unpaid, now, limit=50):
        if _from_quote(d, item.id):
            done += d.send(ORDER, item.key or "", "evt.pending", actor="storefront",
                           instance_id=item.id)  # fmt: skip
    return done


def _from_quote(d: Driver, instance_id: str) -> bool:
    return d.engine.get(instance_id).context.get("quote_no") is not None


def _priced_reorders(d: Driver, now: datetime) -> int:
    """Customers pay the priced orders that replaced their EVAL orders (BigCommerce)."""
    queue = _q("ats.order", "checkout", "bc.payment.authorized", 10)
    data = {"authorized_at": now.isoformat()}
    done = 0
    for item in _waiting(d, queue, now, limit=50):
        done += d.send("ats.order", item.key or "", queue.event, data, actor="BigCommerce",
                       instance_id=item.id)  # fmt: skip
    return done


def _export_work(d: Driver, now: datetime) -> int:
    """The shop admin exports the B2B orders the manual-state exporter blocked ("Export now")."""
    done = 0
    for run in d.systems.exports.runs():
        if run.exporter_id != "B2BHOLD" or run.order_no in d.unblocked:
            continue
        if now - run.at < timedelta(hours=1):
            continue
        d.unblocked.add(run.order_no)
        done += d.send("yescart.order", run.order_no, "export.unblock", actor="shop admin",
                       roles={"SHOPADMIN"})  # fmt: skip
    return done


def _waiting(d: Driver, queue: Queue, now: datetime, limit: int) -> list[Any]:
    """The queue's items that waited at least ``queue.wait``, longest first."""
    states = d.store.count_by_state(queue.chart, status="active")
    found: list[Any] = []
    for state in states:
        if not any(leaf.rsplit(".", 1)[-1] == queue.leaf for leaf in state.split(",")):
            continue
        page = d.store.list_instances(
            queue.chart, state=state, status="active", limit=limit, now=now
        )
        found += [i for i in page.items if i.time_in_state >= queue.wait]
    found.sort(key=lambda i: i.state_since)
    return found[:limit]


def _crm_work(d: Driver, now: datetime) -> int:
    """The CSRs enter stuck orders by hand; the supervisor re-authorises expired cards."""
    crm = d.systems.crm
    done = 0
    for task in crm.open_tasks():
        if now - task.created < timedelta(minutes=20):
            continue
        if task.kind == "manual_entry":
            found = d.engine.get(task.instance_id)
            number = crm.enter_manually(task, str(found.context["order_type"]))
            event, data = "done.invoke.csr_manual_entry", {"salesforce_order_no": number}
        else:
            crm.reauthorized(task)
            event, data = "done.invoke.reauthorize_card", {"authorized_at": now.isoformat()}
        done += d.send("ats.order", "", event, data, actor="CSR", instance_id=task.instance_id)
    return done
