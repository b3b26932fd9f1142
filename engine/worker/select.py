"""Selecting instances for the operator commands: by state (a state of the chart or its
descendants), by state tag (``metadata`` tags of states), by spawn, paginated.

The store lists instances by their *leaf-state string* (the active leaf states, sorted,
joined by ","). A state reference or a tag is turned into every leaf-state string in use
whose leaves lie in (or are) the states named, then each string is listed in turn; a
cursor over several strings is ``<index>~<cursor of that string>``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from engine.worker.clitools import CommandError

if TYPE_CHECKING:
    from engine.model import Chart
    from engine.store.sql import InstancePage, InstanceSummary, SqlStore

__all__ = ["Selection", "latest_chart"]


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
                raise CommandError(f"--tag needs the chart {chart_id!r}: pass --definitions DIR")
            named = {s.id for s in chart.states.values() if tag in s.meta.tags}
            if not named:
                raise CommandError(f"no state of {chart_id!r} has the tag {tag!r}")
        else:
            assert state is not None
            named = self._resolve(chart, state)
        in_use = store.count_by_state(chart_id)
        self.states = [s for s in in_use if state == s or self._within(chart, s, named)]

    @staticmethod
    def _resolve(chart: Chart | None, state: str) -> set[str]:
        if chart is None:
            return {state}  # without the chart: the leaf-state string itself
        try:
            return {chart.resolve(state)}
        except KeyError:
            if "," in state:
                return {state}
            known = ", ".join(sorted(s for s in chart.states if s)) or "none"
            raise CommandError(
                f"chart {chart.id!r} has no state {state!r} (states: {known})"
            ) from None

    @staticmethod
    def _within(chart: Chart | None, leaves: str, named: set[str]) -> bool:
        for leaf in leaves.split(","):
            if leaf in named:
                return True
            if (
                chart is not None
                and leaf in chart.states
                and any(chart.is_descendant(leaf, n) for n in named if n in chart.states)
            ):
                return True
        return False

    def page(self, after: str | None, limit: int) -> InstancePage:
        from engine.store.sql import InstancePage

        if self.states is None:
            return self._list(None, after, limit)
        index, inner = 0, after
        if after is not None:
            head, sep, rest = after.partition("~")
            if not sep or not head.isdigit():
                raise CommandError(f"--after: cursor {after!r} does not belong to this listing", 2)
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
            raise CommandError(f"--after: {exc}", 2) from exc

    def __iter__(self) -> Iterator[InstanceSummary]:
        after: str | None = None
        while True:
            found = self.page(after, 500)
            yield from found.items
            if found.next is None:
                return
            after = found.next
