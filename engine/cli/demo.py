"""``statewise demo``: one Yes!Cart order lived through, printed as a story.

The shipped Yes!Cart charts (an order spawning one delivery flow per delivery) run on a
store with a simulated clock: checkout, payment, the allocation cron, warehouse work by
people with roles, shipping, a refused action explained, and the audit trail. Task
handlers stand in for the payment gateway and the warehouse; e-mails are printed.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE

__all__ = ["add_parser", "run"]

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ORDER_CONTEXT: dict[str, Any] = {
    "order_no": "100042",
    "shop_code": "SHOP10",
    "customer_email": "ann@example.com",
    "shop_admin_email": "orders@shop.example",
    "payment_mode": "online_auth",
    "per_shipment": True,
    "total": "689.74",
    "deliveries": [
        {"number": "100042-1", "group": "D1", "amount": "459.83"},
        {"number": "100042-2", "group": "D1", "amount": "229.91"},
    ],
}
#: What the stand-in payment gateway and warehouse answer.
TASK_RESULTS: dict[str, dict[str, Any]] = {
    "reserve_inventory": {},
    "authorize_payment": {"outcome": "ok"},
    "allocate_inventory": {"outcome": "allocated"},
    "capture_payment": {"outcome": "ok"},
    "check_release": {"released": True},
    "void_reservation": {},
    "credit_inventory": {},
    "cancel_payment": {"outcome": "ok"},
    "export_order": {"next_eligibility": None, "block": False},
}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "demo",
        help="live through one Yes!Cart order, printed as a story",
        description="Run the shipped Yes!Cart order and delivery charts end to end on a "
        "simulated clock: payment, allocation, warehouse work, shipping, a refused action "
        "explained, and the audit trail.",
    )
    p.add_argument(
        "--db",
        metavar="URL",
        help="the database to keep the instances in (default: a new SQLite file in a "
        "temporary folder); any SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db",
    )
    p.add_argument(
        "--definitions",
        default="definitions",
        metavar="DIR",
        help="the folder with the shipped charts (default: definitions)",
    )
    p.set_defaults(handler=run)


class _Printer:
    """A notification transport that prints each message."""

    def __init__(self, say: _Story) -> None:
        self.say = say

    def send(self, message: Any, *, idempotency_key: str) -> None:
        to = ", ".join(message.recipients)
        self.say.mail(f"{message.channel} to {to}: {message.subject or message.template}")


class _Story:
    def __init__(self) -> None:
        self.step = 0

    def title(self, text: str) -> None:
        self.step += 1
        print(f"\n{self.step}. {text}")

    def line(self, text: str) -> None:
        print(f"   {text}")

    def mail(self, text: str) -> None:
        print(f"   ✉ {text}")


def _task(name: str, say: _Story) -> Any:
    def handler(
        data: Mapping[str, Any], *, idempotency_key: str, instance: Any
    ) -> Mapping[str, Any]:
        say.line(f"⚙ task {name} for {instance.key} {dict(data) if data else ''}".rstrip())
        return TASK_RESULTS[name]

    return handler


def run(args: argparse.Namespace) -> int:
    import tempfile

    from engine import SqlStore, load_chart
    from engine.errors import DefinitionError

    folder = Path(args.definitions) / "yescart"
    if not folder.is_dir():
        print(f"statewise: error: no Yes!Cart charts in {folder}", flush=True)
        return EXIT_USAGE
    try:
        order_chart = load_chart(folder / "order.yaml")
        delivery_chart = load_chart(folder / "delivery.yaml")
    except DefinitionError as exc:
        for d in exc.diagnostics:
            print(d.format())
        return EXIT_PROBLEMS
    with tempfile.TemporaryDirectory(prefix="statewise-demo-") as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'demo.db'}"
        store = SqlStore(url, create=True)
        try:
            _run_story(store, url, order_chart, delivery_chart)
        finally:
            store.close()
    return EXIT_OK


def _run_story(store: Any, url: str, order_chart: Any, delivery_chart: Any) -> None:
    from engine import Engine, ManualClock

    say = _Story()
    clock = ManualClock(START)
    printer = _Printer(say)
    names = {*order_chart.tasks, *delivery_chart.tasks}
    print(f"instances, audit trail, timers and outbox are kept in {url}")
    engine = Engine(
        store=store,
        clock=clock,
        tasks={name: _task(name, say) for name in names},
        transports={"email": printer, "sms": printer},
        charts=[order_chart, delivery_chart],
    )
    _story(engine, clock, say, order_chart)


def _leaves(engine: Any, instance_id: str) -> str:
    """The active leaf states as people know them: label and the system's status code."""
    instance = engine.get(instance_id)
    chart = instance.definition
    out = []
    for sid in instance.leaf_states:
        meta = chart.state(sid).meta
        label = meta.label or chart.state(sid).name
        out.append(f"{label} [{meta.code}]" if meta.code else label)
    return ", ".join(out)


def _story(engine: Any, clock: Any, say: _Story, order_chart: Any) -> None:
    print(f"statewise demo: order {ORDER_CONTEXT['order_no']} on the shipped Yes!Cart charts")
    say.title("The shopper checks out (two deliveries, online payment, total 689.74)")
    order = engine.start(order_chart, ORDER_CONTEXT, key=ORDER_CONTEXT["order_no"])
    say.line(f"order is in: {_leaves(engine, order.id)}")
    say.title("Payment: the storefront sends evt.pending")
    engine.send(order.id, "evt.pending", actor="storefront")
    say.line(f"order is in: {_leaves(engine, order.id)}")
    deliveries = engine.children(order.id)
    for d in deliveries:
        say.line(f"delivery {d.key} is in: {_leaves(engine, d.id)}")
    say.title("Ten minutes later the allocation cron runs (a timer)")
    clock.advance(timedelta(minutes=10))
    fired = engine.tick()
    say.line(f"{fired} timer(s) fired")
    for d in deliveries:
        say.line(f"delivery {d.key} is in: {_leaves(engine, d.id)}")
    say.title("The warehouse works the deliveries (people with roles)")
    first = deliveries[0]
    screen = engine.available_events(first.id, roles={"CALLCENTERORDERPROCESS"})
    say.line("operator screen for " + first.key + ": " + ", ".join(a.label for a in screen))
    for d in deliveries:
        for event, roles in (
            ("pack.delivery", {"CALLCENTERORDERPROCESS"}),
            ("mark.ready.for.shipment", {"CALLCENTERORDERPROCESS"}),
            ("start.shipment", {"SHOPADMIN"}),
            ("mark.shipped", {"SHOPADMIN"}),
        ):
            engine.send(d.id, event, actor="warehouse", roles=roles)
        say.line(f"delivery {d.key} is in: {_leaves(engine, d.id)}")
    say.line(f"order is in: {_leaves(engine, order.id)}")
    say.title("Someone without the right role tries to return the order")
    explanation = engine.explain(order.id, "return.order", roles={"CALLCENTERORDERPROCESS"})
    for candidate in explanation.candidates:
        if candidate.source_active:
            for blocker in candidate.blockers:
                say.line(f"refused: {blocker.message}")
    say.title("The audit trail of the order")
    for row in engine.history(order.id):
        when = row.time.strftime("%H:%M")
        to = ", ".join(sid.rsplit(".", 1)[-1] for sid in row.to_configuration)
        who = f" by {row.actor}" if row.actor else ""
        say.line(f"{when} {row.kind:<6} {row.event or '':<28} -> {to}{who}")
