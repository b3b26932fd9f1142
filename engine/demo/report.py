"""The end-of-day report, per system: instances by state, e-mails by template, exports by
milestone, dead letters, and the systems' own books (ledger, stock, postings, CRM)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from engine.reference.payments.ledger import total

if TYPE_CHECKING:
    from engine.model import Chart
    from engine.reference.app import ReferenceSystems
    from engine.service import Engine
    from engine.store.sql import SqlStore

__all__ = ["SYSTEMS", "print_report"]

#: system name -> its charts
SYSTEMS: dict[str, tuple[str, ...]] = {
    "Yes!Cart": ("yescart.order", "yescart.delivery", "yescart.quote"),
    "uStore": ("ustore.email_item", "ustore.print_item"),
    "Click & Collect": ("collect.send_to_store", "collect.collect_in_store"),
    "ATS": ("ats.order",),
}


def _label(chart: Chart, state_id: str) -> str:
    state = chart.states[state_id]
    while not (state.meta.label or state.meta.code) and state.parent:  # a step inside a status
        state = chart.states[state.parent]
    label = state.meta.label or state.name
    code = (state.meta.code or "").strip()
    return f"{label} [{code}]" if code and code != label else label


def _by_state(store: SqlStore, chart: Chart) -> Counter[str]:
    counts: Counter[str] = Counter()
    for states, n in store.count_by_state(chart.id).items():
        for leaf in states.split(","):
            if leaf in chart.states:
                counts[_label(chart, leaf)] += n
    return counts


def _line(items: Counter[str] | dict[str, int], width: int = 96) -> list[str]:
    parts = [f"{name} {n}" for name, n in sorted(items.items(), key=lambda kv: (-kv[1], kv[0]))]
    lines, line = [], ""
    for part in parts:
        if line and len(line) + len(part) + 2 > width:
            lines.append(line)
            line = ""
        line = f"{line}, {part}" if line else part
    return [*lines, line] if line else lines


def print_report(engine: Engine, store: SqlStore, systems: ReferenceSystems) -> None:
    charts = {c.id: c for c in engine.charts}
    mail = systems.mailbox.by_template()
    letters = store.dead_letters(10_000)
    owner = {iid: store.load(iid).chart for iid in {i.instance_id for i in letters}}
    dead = Counter(owner[i.instance_id] for i in letters)
    for system, ids in SYSTEMS.items():
        print(f"\n== {system}")
        templates: set[str] = set()
        for chart_id in ids:
            chart = charts[chart_id]
            templates |= set(chart.templates)
            print(f"  {chart_id} by state:")
            for line in _line(_by_state(store, chart)):
                print(f"    {line}")
        if system == "Yes!Cart":
            templates.add("sup_order_new")
        sent = Counter({f"{t} ({ch})": n for (ch, t), n in mail.items() if t in templates})
        print(f"  e-mails and SMS by template ({sum(sent.values())}):")
        for line in _line(sent):
            print(f"    {line}")
        print(f"  dead letters: {sum(dead[c] for c in ids)}")
        _books(system, systems)


def _books(system: str, systems: ReferenceSystems) -> None:
    if system == "Yes!Cart":
        balances = systems.payments.balances()
        all_of = total(balances.values())
        print(
            f"  payment ledger ({len(balances)} orders): authorised {all_of.authorised}, "
            f"captured {all_of.captured}, refunded {all_of.refunded}, "
            f"outstanding {all_of.outstanding}, paid {all_of.paid}"
        )
        rows = systems.inventory.stock()
        problems = systems.inventory.reconcile()
        print(
            f"  stock ({len(rows)} SKU x warehouse): {sum(r.quantity for r in rows)} on hand, "
            f"{sum(r.reserved for r in rows)} reserved; reconciled: "
            + ("yes" if not problems else "; ".join(problems[:3]))
        )
        runs = Counter({f"{m} {r}": n for (m, r), n in systems.exports.by_milestone().items()})
        print(f"  exports by milestone ({sum(runs.values())} exporter runs):")
        for line in _line(runs):
            print(f"    {line}")
    elif system == "uStore":
        print(f"  uProduce jobs: {_plain(systems.ustore.job_counts())}")
    elif system == "Click & Collect":
        print(f"  collect sales documents: {_plain(systems.collect.documents())}")
        ic = systems.collect.ic_balance()
        print("  postings by account: " + ", ".join(f"{a} {v}" for a, v in sorted(ic.items())))
    else:
        open_tasks = len(systems.crm.open_tasks())
        print(f"  CRM opportunities by quote status: {_plain(systems.crm.opportunities())}")
        print(f"  CSR work still open: {open_tasks}")


def _plain(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"
