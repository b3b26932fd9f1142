"""What must hold at the end of the day; any broken rule makes ``statewise demo`` exit 1.

* the payment ledger: captured <= authorised and refunded <= captured for every order;
* the stock: never negative, reserved = the open reservations, quantity = its moves;
* the intercompany postings balance (receivables = payables);
* every approved quote names its order and the order names the quote back;
* no instance is stuck: every active instance has a pending timer, waits for a task (an
  outbox item still to perform or a person's work item), offers a manual action someone may
  take, waits for its parent or for its children to finish, or rests in states marked
  ``terminal``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.model import Chart
    from engine.reference.app import ReferenceSystems
    from engine.service import Engine, Instance
    from engine.store.sql import SqlStore

__all__ = ["Check", "check_all", "stuck_instances"]


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_all(engine: Engine, store: SqlStore, systems: ReferenceSystems) -> list[Check]:
    checks = []
    balances = systems.payments.balances()
    bad = {o: b.problems() for o, b in balances.items() if b.problems()}
    over_captured = [f"{o}: {x}" for o, p in bad.items() for x in p if x.startswith("captured")]
    over_refunded = [f"{o}: {x}" for o, p in bad.items() for x in p if x.startswith("refunded")]
    checks.append(_check("captured <= authorised", over_captured, f"{len(balances)} orders"))
    checks.append(_check("refunded <= captured", over_refunded, f"{len(balances)} orders"))
    problems = systems.inventory.reconcile()
    negative = [p for p in problems if "negative" in p]
    reserved = [p for p in problems if "reserved" in p]
    moves = [p for p in problems if "moves" in p]
    rows = len(systems.inventory.stock())
    checks.append(_check("stock never negative", negative, f"{rows} stock records"))
    checks.append(_check("reserved equals open reservations", reserved, f"{rows} stock records"))
    checks.append(_check("quantity equals its moves", moves, f"{rows} stock records"))
    ic = systems.collect.ic_balance()
    owed = (ic.get("ic_receivable", 0), ic.get("ic_payable", 0))
    unbalanced = [] if owed[0] == owed[1] else [f"receivable {owed[0]} != payable {owed[1]}"]
    checks.append(_check("intercompany postings balance", unbalanced, "receivable = payable"))
    stuck = list(stuck_instances(engine, store, systems))
    active = sum(
        n
        for chart in engine.charts
        for n in store.count_by_state(chart.id, status="active").values()
    )
    checks.append(_check("no instance stuck", stuck, f"{active} active instances checked"))
    approved, unlinked = _quotes_and_orders(engine, store)
    checks.append(
        _check("approved quotes and their orders linked", unlinked, f"{approved} approved quotes")
    )
    return checks


def _quotes_and_orders(engine: Engine, store: SqlStore) -> tuple[int, list[str]]:
    """Every approved quote names its order, and that order names the quote back."""
    approved, unlinked = 0, []
    after = None
    while True:
        page = store.list_instances("yescart.quote", status="done", after=after, limit=500)
        for item in page.items:
            quote = engine.get(item.id)
            if not any(s.endswith("approved") for s in quote.leaf_states):
                continue
            approved += 1
            number = quote.context.get("order_no")
            order = None if number is None else engine.find("yescart.order", str(number))
            if order is None or order.context.get("quote_no") != quote.key:
                unlinked.append(f"quote {quote.key} -> order {number}")
        if page.next is None:
            return approved, unlinked
        after = page.next


def _check(name: str, broken: list[str], detail: str) -> Check:
    if broken:
        shown = "; ".join(broken[:5]) + (
            f" (and {len(broken) - 5} more)" if len(broken) > 5 else ""
        )
        return Check(name, False, shown)
    return Check(name, True, detail)


def stuck_instances(engine: Engine, store: SqlStore, systems: ReferenceSystems) -> Iterator[str]:
    pending = {item.instance_id for item in store.pending_outbox(100_000)}
    people = {task.instance_id for task in systems.crm.open_tasks()}
    seen: set[str] = set()
    for chart in {c.id: c for c in engine.charts}.values():
        if chart.id in seen:
            continue
        seen.add(chart.id)
        after = None
        while True:
            page = store.list_instances(chart.id, status="active", after=after, limit=500)
            for item in page.items:
                instance = engine.get(item.id)
                why = _stuck(engine, instance, pending | people)
                if why:
                    yield f"{chart.id} {instance.key or instance.id} in {why}"
            if page.next is None:
                break
            after = page.next


def _stuck(engine: Engine, instance: Instance, waiting_on_task: set[str]) -> str | None:
    """Where the instance is stuck, or None when something can still move it."""
    if instance.timers or instance.id in waiting_on_task:
        return None
    chart: Chart = instance.definition
    leaves = instance.leaf_states
    if all(
        any(
            chart.states[s].meta.terminal
            for s in (leaf, *chart.ancestors(leaf))
            if s in chart.states
        )
        for leaf in leaves
    ):
        return None  # it rests where the chart says it may
    if instance.parent is not None and not engine.get(instance.parent).done:
        return None  # the parent drives it
    if _awaits_children(chart, instance) and any(not c.done for c in engine.children(instance.id)):
        return None  # it waits for its children to finish
    if any(not a.transition.targetless for a in engine.available_events(instance.id)):
        return None  # someone may move it on (an audit note alone moves nothing)
    return ", ".join(leaves)


def _awaits_children(chart: Chart, instance: Instance) -> bool:
    """Whether an active state takes the event of its children finishing (``done.spawn``)."""
    return any(
        e.startswith("done.spawn.")
        for s in instance.configuration
        for t in chart.states[s].transitions
        for e in t.events
    )
