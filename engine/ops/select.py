"""Selecting instances for the operator commands: by state (a state of the chart or its
descendants), by state tag (``metadata`` tags of states), by spawn, paginated; or one by
one, as a person picks them (:func:`pick`: ids and business keys, each found or not).

The store lists instances by their *leaf-state string* (the active leaf states, sorted,
joined by ","). A state reference or a tag is turned into every leaf-state string in use
whose leaves lie in (or are) the states named, then each string is listed in turn; a
cursor over several strings is ``<index>~<cursor of that string>``. Without the chart, a
state reference is resolved among the states instances are in (a full id or a unique
suffix; substates by their dotted ids).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from engine.ops.errors import OpsError

if TYPE_CHECKING:
    from engine.model import Chart
    from engine.store.ports import InstanceStore
    from engine.store.records import InstanceRecord
    from engine.store.sql import InstancePage, InstanceSummary, SqlStore

__all__ = ["Picked", "Selection", "latest_chart", "pick"]


def latest_chart(charts: Sequence[Chart], chart_id: str) -> Chart | None:
    found = [c for c in charts if c.id == chart_id]
    return max(found, key=lambda c: c.version) if found else None


class Selection:
    """The instances of ``chart_id`` in ``state`` / with state tag ``tag`` / ``spawn``."""

    def __init__(
        self,
        store: SqlStore,
        chart_id: str,
        charts: Sequence[Chart],
        *,
        state: str | None = None,
        tag: str | None = None,
        spawn: str | None = None,
        status: str | None = None,
    ) -> None:
        self.store, self.chart_id = store, chart_id
        self.spawn, self.status = spawn, status
        self.states: list[str] | None = None  # None: every state
        if state is None and tag is None:
            return
        chart = latest_chart(charts, chart_id)
        if tag is not None:
            if chart is None:
                raise OpsError(
                    f"--tag needs the chart {chart_id!r}: pass --definitions DIR", "usage"
                )
            named = {s.id for s in chart.states.values() if tag in s.meta.tags}
            if not named:
                raise OpsError(f"no state of {chart_id!r} has the tag {tag!r}", "not_found")
        in_use = store.states_in_use(chart_id)  # a skip scan: cheap with millions of rows
        if tag is None:
            assert state is not None
            named = self._resolve(chart, state) if chart is not None else _in_use(state, in_use)
        self.states = [s for s in in_use if state == s or self._within(chart, s, named)]

    @staticmethod
    def _resolve(chart: Chart, state: str) -> set[str]:
        try:
            return {chart.resolve(state)}
        except KeyError:
            if "," in state:
                return {state}
            known = ", ".join(sorted(s for s in chart.states if s)) or "none"
            raise OpsError(
                f"chart {chart.id!r} has no state {state!r} (states: {known})", "not_found"
            ) from None

    @staticmethod
    def _within(chart: Chart | None, leaves: str, named: set[str]) -> bool:
        for leaf in leaves.split(","):
            if leaf in named:
                return True
            if chart is None and any(leaf.startswith(n + ".") for n in named):
                return True  # state ids are dotted paths: a substate of a named state
            if (
                chart is not None
                and leaf in chart.states
                and any(chart.is_descendant(leaf, n) for n in named if n in chart.states)
            ):
                return True
        return False

    def ids(self, *, since: datetime | None = None, limit: int | None = None) -> list[str]:
        """The ids selected (created at ``since`` or later; at most ``limit``), in listing
        order."""
        out: list[str] = []
        for summary in self:
            if limit is not None and len(out) >= limit:
                break
            if since is None or summary.created >= since:
                out.append(summary.id)
        return out

    def page(self, after: str | None, limit: int) -> InstancePage:
        from engine.store.sql import InstancePage

        if self.states is None:
            return self._list(None, after, limit)
        index, inner = 0, after
        if after is not None:
            head, sep, rest = after.partition("~")
            if not sep or not head.isdigit():
                raise OpsError(
                    f"--after: cursor {after!r} does not belong to this listing", "usage"
                )
            index, inner = int(head), rest or None
        items: list[InstanceSummary] = []
        while index < len(self.states) and len(items) < limit:
            found = self._list(self.states[index], inner, limit - len(items))
            items += found.items
            if found.next is not None:
                return InstancePage(tuple(items), f"{index}~{found.next}")
            index, inner = index + 1, None
        more = f"{index}~" if index < len(self.states) else None
        return InstancePage(tuple(items), more)

    def _list(self, state: str | None, after: str | None, limit: int) -> InstancePage:
        try:
            return self.store.list_instances(
                self.chart_id,
                state=state,
                tag=self.spawn,
                status=self.status,
                after=after,
                limit=limit,
            )
        except ValueError as exc:
            raise OpsError(f"--after: {exc}", "usage") from exc

    def __iter__(self) -> Iterator[InstanceSummary]:
        after: str | None = None
        while True:
            found = self.page(after, 500)
            yield from found.items
            if found.next is None:
                return
            after = found.next


@dataclass(frozen=True, slots=True)
class Picked:
    """One instance a person named: by its id or by its business key, found or not."""

    #: the id or key as given
    given: str
    by: Literal["id", "key"]
    record: InstanceRecord | None
    #: why nothing was found (None when ``record`` is set)
    missing: str | None = None


def pick(
    store: InstanceStore,
    *,
    chart: str | None = None,
    ids: Sequence[str] = (),
    keys: Sequence[str] = (),
) -> list[Picked]:
    """The instances named by ``ids`` and (of ``chart``) by business ``keys``, in that order;
    a name that matches nothing is kept with the reason, so the caller can report it per
    item. With ``chart``, an id of another chart's instance is not found either. An instance
    named twice (by id and by key, say) is picked once, where it was first named."""
    if keys and chart is None:
        raise OpsError("business keys need the chart they belong to (--chart)", "usage")
    names = [n.strip() for n in [*ids, *keys]]
    if any(not n for n in names):
        raise OpsError("an empty id or key was given", "usage")
    if not names:
        raise OpsError("select at least one instance", "usage")
    records = store.load_many(dict.fromkeys(n.strip() for n in ids))
    out: list[Picked] = []
    seen: set[str] = set()
    for given in ids:
        given = given.strip()
        record = records.get(given)
        if record is None:
            out.append(Picked(given, "id", None, f"no instance with id {given!r}"))
        elif chart is not None and record.chart != chart:
            why = f"instance {given!r} is of chart {record.chart!r}, not {chart!r}"
            out.append(Picked(given, "id", None, why))
        elif record.id not in seen:
            seen.add(record.id)
            out.append(Picked(given, "id", record))
    for given in keys:
        given = given.strip()
        assert chart is not None
        found = store.find(chart, given)
        if found is None:
            why = f"chart {chart!r} has no instance with key {given!r}"
            out.append(Picked(given, "key", None, why))
        elif found.id not in seen:
            seen.add(found.id)
            out.append(Picked(given, "key", found))
    return out


def _in_use(state: str, in_use: Iterable[str]) -> set[str]:
    """Without the chart: ``state`` as a state id, or a unique suffix of one, among the
    states instances are in (ids are dotted paths, so ancestors are their prefixes)."""
    ids: set[str] = set()
    for leaves in in_use:
        for leaf in leaves.split(","):
            parts = leaf.split(".")
            ids.update(".".join(parts[: n + 1]) for n in range(len(parts)))
    found = sorted(s for s in ids if s == state or s.endswith("." + state))
    if len(found) > 1 and state not in found:
        raise OpsError(
            f"state {state!r} is ambiguous: it could be {', '.join(found)}; give more of its path",
            "usage",
        )
    return {state} if state in found or not found else {found[0]}
