"""One order's whole story: its audit trail and its deliveries', notes, payments, e-mails,
exports, told in time order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.reference.app import ReferenceSystems
    from engine.service import Engine
    from engine.store import AuditRecord

__all__ = ["pick_order", "print_story"]

#: what makes an order worth telling, most interesting first
INTERESTING = (
    "cancel.order.refund",
    "return.order",
    "cancel.order",
    "start.shipment.manual.payment",
)


def pick_order(histories: Mapping[str, Sequence[AuditRecord]], engine: Engine) -> str | None:
    """The id of the order with the richest story (a retried refund, a return, ...)."""
    best: tuple[int, int, str] | None = None
    for iid, trail in histories.items():
        events = {r.event for r in trail}
        rank = next((n for n, e in enumerate(INTERESTING) if e in events), len(INTERESTING))
        score = (rank, -len(trail), iid)
        if best is None or score < best:
            best = score
    return None if best is None else best[2]


def _after_deliveries(record: AuditRecord) -> int:
    event = record.event or ""
    return 2 if event.startswith(("delivery.", "done.spawn.")) else 0


def print_story(engine: Engine, systems: ReferenceSystems, order_id: str) -> None:
    order = engine.get(order_id)
    context = order.context
    number = str(order.key)
    deliveries = engine.children(order_id)
    print(
        f"\n== One order's story: {number} ({context['payment_mode']}, "
        f"{len(deliveries)} deliveries, total {context['total']}, shop {context['shop_code']})"
    )
    lines: list[tuple[object, str, AuditRecord]] = []
    for who, instance in ((number, order), *((d.key or d.id, d) for d in deliveries)):
        for record in engine.history(instance.id):
            lines.append((record.time, str(who), record))
    # at one time: the order's own step first, then its deliveries', then what they told it
    lines.sort(key=lambda x: (x[0], _after_deliveries(x[2]) if x[1] == number else 1))
    charts = {c.id: c for c in engine.charts}
    for _when, who, record in lines:
        chart = charts[order.chart if who == number else "yescart.delivery"]
        to = ", ".join(
            (chart.states[s].meta.code or chart.states[s].name).strip() or chart.states[s].name
            for s in record.to_configuration
        )
        what = record.event or record.kind
        actor = f" by {record.actor}" if record.actor else ""
        stamp = record.time.strftime("%a %H:%M")
        print(f"  {stamp}  {who:<12} {what:<34.34} -> {to}{actor}")
        if record.note:
            print(f"  {'':9}  {'':<12} note: {record.note}")
        if record.client_note:
            print(f"  {'':9}  {'':<12} to the customer: {record.client_note}")
    payments = systems.payments.rows(number)
    if payments:
        print(
            "  payments: "
            + "; ".join(f"{p.operation} {p.shipment} {p.amount} {p.result}" for p in payments)
        )
        balance = systems.payments.balance(number)
        print(
            f"  ledger: authorised {balance.authorised}, captured {balance.captured}, "
            f"refunded {balance.refunded}, outstanding {balance.outstanding}"
        )
    ids = {order_id, *(d.id for d in deliveries)}
    mails = [m.template for m in systems.mailbox.messages() if m.instance_id in ids]
    print(f"  e-mails ({len(mails)}): {', '.join(mails)}")
    runs = systems.exports.runs(number)
    if runs:
        print("  exports: " + "; ".join(f"{r.milestone} {r.exporter_id} {r.result}" for r in runs))
