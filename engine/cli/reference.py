"""``statewise reference``: the reference integrations' state, and the doors people use.

* ``ledger [ORDER...]``: the payment ledger: authorised, captured, refunded, outstanding and
  paid per order (the rows too for one order), and the totals;
* ``stock``: quantity and reserved per SKU and warehouse, reconciled (exit 1 if it is not);
* ``receive SKU WAREHOUSE QTY``: stock arrives; deliveries waiting for it are told
  (``inventory.received``, performed by a worker);
* ``faults ORDER [CODE...]``: inject payment faults for an order (``--clear`` removes them);
* ``exports [ORDER]``: the export runs; ``mail``: the messages the mailbox kept, by template;
* ``crm --outage MESSAGE | --restore``: switch the CRM to failing and back.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from engine.cli.common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, int_in
from engine.cli.tools import (
    CommandError,
    add_db,
    add_definitions,
    print_json,
    print_table,
    run_command,
)

if TYPE_CHECKING:
    from engine.reference.app import ReferenceSystems

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "reference",
        help="the reference integrations: ledger, stock, receipts, faults, exports, mail, CRM",
        description="Read and work the reference integrations' tables in the statewise "
        "database (engine/reference, docs/integrations.md).",
    )
    what = p.add_subparsers(dest="what", metavar="WHAT", required=True)
    ledger = what.add_parser("ledger", help="the payment ledger per order")
    ledger.add_argument("orders", nargs="*", metavar="ORDER")
    what.add_parser("stock", help="stock per SKU and warehouse, reconciled")
    receive = what.add_parser("receive", help="stock arrives; waiting deliveries are told")
    receive.add_argument("sku", metavar="SKU")
    receive.add_argument("warehouse", metavar="WAREHOUSE")
    receive.add_argument("qty", type=int_in(1, 10**9), metavar="QTY")
    receive.add_argument("--reference", default="receipt", help="the receipt's reference")
    add_definitions(receive)
    faults = what.add_parser("faults", help="inject (or --clear) payment faults for an order")
    faults.add_argument("order", metavar="ORDER")
    faults.add_argument(
        "codes", nargs="*", metavar="CODE", help="AUTH_FAIL, REFUND_FAIL_SEQNO_84.77 ..."
    )
    faults.add_argument("--clear", action="store_true", help="remove the named faults (or all)")
    exports = what.add_parser("exports", help="the export runs")
    exports.add_argument("order", nargs="?", metavar="ORDER")
    what.add_parser("mail", help="the messages the mailbox kept, by template")
    crm = what.add_parser("crm", help="switch the CRM to failing and back")
    switch = crm.add_mutually_exclusive_group(required=True)
    switch.add_argument("--outage", metavar="MESSAGE", help="every CRM call fails with this")
    switch.add_argument("--restore", action="store_true", help="the CRM answers again")
    for child in (
        ledger,
        what.choices["stock"],
        receive,
        faults,
        exports,
        what.choices["mail"],
        crm,
    ):
        add_db(child)
        child.add_argument("--json", action="store_true", help="JSON for tools")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_command("reference", args, _run)


def _run(args: argparse.Namespace) -> int:
    from engine.ops.setup import sqlite_path
    from engine.reference.app import open_systems
    from engine.store.sql import DatabaseError, SchemaNotCurrent

    if not args.db:
        raise CommandError("no database; pass --db URL or set STATEWISE_DB", EXIT_USAGE)
    path = sqlite_path(args.db)
    if path is not None and not path.is_file():
        raise CommandError(f"cannot open {args.db}: no such database file")
    try:
        systems = open_systems(args.db)
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from exc
    except (DatabaseError, SchemaNotCurrent) as exc:
        raise CommandError(str(exc)) from exc
    try:
        code: int = _ACTIONS[args.what](systems, args)
        return code
    finally:
        systems.close()


def _ledger(systems: ReferenceSystems, args: argparse.Namespace) -> int:
    from engine.reference.payments.ledger import as_row, total

    balances = systems.payments.balances(args.orders or None)
    rows = [
        [o, b.authorised, b.captured, b.refunded, b.outstanding, b.paid]
        for o, b in balances.items()
    ]
    all_of = total(balances.values())
    problems = {o: b.problems() for o, b in balances.items() if b.problems()}
    if args.json:
        detail = {o: [as_row(p) for p in systems.payments.rows(o)] for o in args.orders}
        print_json(
            {"orders": rows, "total": all_of.as_result(), "rows": detail, "problems": problems}
        )
        return EXIT_PROBLEMS if problems else EXIT_OK
    heads = ["order", "authorised", "captured", "refunded", "outstanding", "paid"]
    print_table(heads, [*rows, ["total", all_of.authorised, all_of.captured, all_of.refunded,
                                all_of.outstanding, all_of.paid]])  # fmt: skip
    if len(args.orders) == 1:
        print()
        print_table(
            ["id", "shipment", "operation", "amount", "result", "settled", "message"],
            [
                [p.id, p.shipment, p.operation, p.amount, p.result, p.settled, p.message]
                for p in systems.payments.rows(args.orders[0])
            ],
        )
    for order, found in problems.items():
        print(f"order {order}: {'; '.join(found)}")
    return EXIT_PROBLEMS if problems else EXIT_OK


def _stock(systems: ReferenceSystems, args: argparse.Namespace) -> int:
    rows = [
        [r.sku, r.warehouse, r.quantity, r.reserved, r.available] for r in systems.inventory.stock()
    ]
    problems = systems.inventory.reconcile()
    if args.json:
        print_json({"stock": rows, "problems": problems})
    else:
        print_table(["sku", "warehouse", "quantity", "reserved", "available"], rows)
        print("reconciled: " + ("; ".join(problems) if problems else "yes"))
    return EXIT_PROBLEMS if problems else EXIT_OK


def _receive(systems: ReferenceSystems, args: argparse.Namespace) -> int:
    from engine.cli.tools import charts_for
    from engine.ops.setup import deferred_engine
    from engine.reference.inventory import notify_waiting
    from engine.service.ops import send_deferred

    try:
        waiting = systems.inventory.receive(args.sku, args.warehouse, args.qty, args.reference)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    told: list[str] = []
    if waiting:
        if not args.definitions:
            args.definitions = _builtin()
        engine = deferred_engine(systems.store, charts_for(args))
        told = notify_waiting(engine, waiting, send=lambda iid, ev: send_deferred(engine, iid, ev))
    if args.json:
        print_json({"received": args.qty, "waiting": waiting, "told": told})
    else:
        print(f"received {args.qty} x {args.sku} in {args.warehouse}")
        for number in told:
            print(f"delivery {number}: told (a worker allocates it)")
    return EXIT_OK


def _builtin() -> str:
    from engine.flows import shipped_flows

    return str(shipped_flows())


def _faults(systems: ReferenceSystems, args: argparse.Namespace) -> int:
    try:
        if args.clear:
            systems.payments.clear(args.order, *args.codes)
        elif args.codes:
            systems.payments.inject(args.order, *args.codes)
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from exc
    codes = systems.payments.faults(args.order)
    if args.json:
        print_json({"order": args.order, "faults": codes})
    else:
        print(f"order {args.order}: {', '.join(codes) if codes else 'no faults'}")
    return EXIT_OK


def _exports(systems: ReferenceSystems, args: argparse.Namespace) -> int:
    runs = systems.exports.runs(args.order)
    rows = [
        [r.order_no, r.exporter_id, r.milestone, r.result, r.next_milestone, r.message]
        for r in runs
    ]
    if args.json:
        print_json({"runs": rows})
    else:
        print_table(["order", "exporter", "milestone", "result", "next", "message"], rows)
    return EXIT_OK


def _mail(systems: ReferenceSystems, args: argparse.Namespace) -> int:
    counts = systems.mailbox.by_template()
    rows = [[channel, template, n] for (channel, template), n in sorted(counts.items())]
    if args.json:
        print_json({"messages": rows})
    else:
        print_table(["channel", "template", "messages"], rows)
    return EXIT_OK


def _crm(systems: ReferenceSystems, args: argparse.Namespace) -> int:
    systems.crm.set_outage(None if args.restore else args.outage)
    state = systems.crm.outage()
    if args.json:
        print_json({"outage": state})
    else:
        print(f"CRM: failing ({state})" if state else "CRM: answering")
    return EXIT_OK


_ACTIONS: dict[str, Any] = {
    "ledger": _ledger,
    "stock": _stock,
    "receive": _receive,
    "faults": _faults,
    "exports": _exports,
    "mail": _mail,
    "crm": _crm,
}
