"""Work queues as operators see them: every chart's queues with counts and the oldest item,
and one queue's items, a page at a time, with the columns the chart chooses.

A *queue* is a state with ``queue:`` (uStore's "Pending Emails"); its items are the running
instances whose active leaf states lie in it. A chart chooses the context fields its queue
pages show in ``metadata: {console: {columns: [order_no, customer_email, total]}}``
(a field of a record with a dotted path, ``customer.email``); :func:`columns_of` checks them
against the chart's context when the server starts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from engine.ops.errors import OpsError
from engine.ops.select import Selection, latest_chart

if TYPE_CHECKING:
    from engine.model import Chart
    from engine.store.sql import SqlStore

__all__ = [
    "ChartQueues",
    "Column",
    "QueueAction",
    "QueueCount",
    "QueuePage",
    "QueueRow",
    "columns_of",
    "overview",
    "queue_actions",
    "queue_page",
]

#: a queue page counts at most this many items per state ("10000+")
COUNT_CAP = 10_000


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    label: str


@dataclass(frozen=True, slots=True)
class QueueCount:
    state: str
    name: str
    count: int
    oldest: timedelta | None


@dataclass(frozen=True, slots=True)
class ChartQueues:
    chart: Chart
    queues: tuple[QueueCount, ...]
    #: instances of the chart, in any state
    total: int


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: str
    key: str | None
    state: str
    since: datetime
    age: timedelta
    columns: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class QueuePage:
    chart: Chart
    state: str
    name: str
    columns: tuple[Column, ...]
    rows: tuple[QueueRow, ...]
    next: str | None
    #: how many items the queue holds, counted up to ``capped`` (then "at least")
    count: int
    capped: bool


def columns_of(chart: Chart) -> tuple[Column, ...]:
    """The queue columns ``chart`` chooses (``metadata.console.columns``), checked against
    its context; an unknown field is a ``problem`` naming the chart file."""
    console = chart.metadata.get("console")
    if not console:
        return ()
    if not isinstance(console, Mapping) or not isinstance(console.get("columns", []), list):
        raise OpsError(
            f"{chart.file}: metadata.console.columns must be a list of context fields",
            "problem",
        )
    known = {f.name for f in chart.context.fields}
    out = []
    for entry in console.get("columns", []):
        if isinstance(entry, Mapping):
            field, label = str(entry.get("field", "")), str(entry.get("label") or "")
        else:
            field, label = str(entry), ""
        head = field.split(".", 1)[0]
        if head not in known:
            raise OpsError(
                f"{chart.file}: metadata.console.columns names {field!r}, which is not a "
                f"context field of {chart.id!r} (fields: {', '.join(sorted(known)) or 'none'})",
                "problem",
            )
        name = field.rsplit(".", 1)[-1].replace("_", " ")
        out.append(Column(field, label or name[:1].upper() + name[1:]))
    return tuple(out)


def _value(context: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(context, Mapping):
            return None
        context = context.get(part)
    return context


def _in(chart: Chart, leaves: str, state: str) -> bool:
    return any(
        leaf == state or (leaf in chart.states and chart.is_descendant(leaf, state))
        for leaf in leaves.split(",")
    )


def overview(
    store: SqlStore, charts: Sequence[Chart], now: datetime | None = None
) -> list[ChartQueues]:
    """Every chart (latest version) with its queues: items and the oldest one's age."""
    when = datetime.now(UTC) if now is None else now
    out = []
    for chart in _latest(charts):
        counts = store.state_overview(chart.id)
        queues = []
        for state in chart.states.values():
            if not state.meta.queue:
                continue
            inside = [c for c in counts if _in(chart, c.state, state.id)]
            oldest = min((c.oldest_since for c in inside), default=None)
            queues.append(
                QueueCount(
                    state.id,
                    state.meta.queue,
                    sum(c.instances for c in inside),
                    None if oldest is None else when - oldest,
                )
            )
        out.append(ChartQueues(chart, tuple(queues), sum(c.instances for c in counts)))
    return out


def _latest(charts: Sequence[Chart]) -> list[Chart]:
    ids = sorted({c.id for c in charts})
    return [c for i in ids if (c := latest_chart(charts, i)) is not None]


def queue_page(
    store: SqlStore,
    charts: Sequence[Chart],
    chart_id: str,
    state: str,
    *,
    after: str | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> QueuePage:
    """One page of the instances in ``state`` (a state of the chart and its descendants),
    longest waiting first within each leaf-state combination."""
    chart = latest_chart(charts, chart_id)
    if chart is None:
        raise OpsError(f"no chart {chart_id!r}", "not_found")
    if not 1 <= limit <= 500:
        raise OpsError("limit: expected 1 to 500", "usage")
    selection = Selection(store, chart_id, charts, state=state)
    page = selection.page(after, limit)
    resolved = chart.resolve(state)
    name = chart.states[resolved].meta.queue or chart.states[resolved].name
    columns = columns_of(chart)
    contexts = store.contexts([s.id for s in page.items]) if columns else {}
    when = datetime.now(UTC) if now is None else now
    rows = tuple(
        QueueRow(
            s.id,
            s.key,
            s.state,
            s.state_since,
            when - s.state_since,
            tuple(_value(contexts.get(s.id), c.field) for c in columns),
        )
        for s in page.items
    )
    count, capped = 0, False
    for leaves in selection.states or ():
        count += store.count_in_state(chart_id, leaves, COUNT_CAP)
        if count >= COUNT_CAP:
            count, capped = COUNT_CAP, True
            break
    return QueuePage(chart, resolved, name, columns, rows, page.next, count, capped)


@dataclass(frozen=True, slots=True)
class QueueAction:
    event: str
    label: str
    note_required: bool


def queue_actions(chart: Chart, state: str, roles: frozenset[str]) -> list[QueueAction]:
    """The manual actions a person with ``roles`` may take on items of the queue ``state``:
    those of the state itself, its ancestors and its descendants (one per event)."""
    out: dict[str, QueueAction] = {}
    for s in chart.states.values():
        related = (
            s.id == state or chart.is_descendant(state, s.id) or chart.is_descendant(s.id, state)
        )
        if not s.id or not related:
            continue
        for t in s.transitions:
            m = t.manual
            if m is None or not t.events or (m.roles and roles.isdisjoint(m.roles)):
                continue
            out.setdefault(t.events[0], QueueAction(t.events[0], m.label, m.note_required))
    return list(out.values())
