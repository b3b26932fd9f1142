"""A read-only view of one stored instance, as the :class:`~engine.service.Engine` returns it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from engine.store.records import DONE, InstanceRecord, InstanceStatus

if TYPE_CHECKING:
    from engine.model import Chart
    from engine.runtime import PendingTimer, Snapshot

__all__ = ["Instance", "leaf_states"]


def leaf_states(chart: Chart, configuration: frozenset[str]) -> tuple[str, ...]:
    """The atomic (and final) states of a configuration, in document order."""
    states = chart.states
    leaves = [states[s] for s in configuration if states[s].is_atomic]
    leaves.sort(key=lambda s: s.order)
    return tuple(s.id for s in leaves)


class Instance:
    """An instance as it was when this view was taken; never changes afterwards.

    ``chart`` is the chart id; ``definition`` the :class:`~engine.model.Chart` itself.
    ``configuration`` holds every active state id (compound ancestors included);
    :attr:`leaf_states` only the innermost ones.
    """

    __slots__ = ("_leaves", "definition", "record")

    def __init__(self, record: InstanceRecord, definition: Chart) -> None:
        self.record = record
        self.definition = definition
        self._leaves: tuple[str, ...] | None = None

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def chart(self) -> str:
        return self.record.chart

    @property
    def version(self) -> int:
        return self.record.version

    @property
    def key(self) -> str | None:
        return self.record.key

    @property
    def parent(self) -> str | None:
        return self.record.parent

    @property
    def status(self) -> InstanceStatus:
        return self.record.status

    @property
    def done(self) -> bool:
        return self.record.status == DONE

    @property
    def snapshot(self) -> Snapshot:
        return self.record.snapshot

    @property
    def configuration(self) -> frozenset[str]:
        return self.record.snapshot.configuration

    @property
    def context(self) -> Mapping[str, Any]:
        return MappingProxyType(self.record.snapshot.context)

    @property
    def timers(self) -> Mapping[str, PendingTimer]:
        return self.record.snapshot.timers

    @property
    def row_version(self) -> int:
        return self.record.row_version

    @property
    def created(self) -> datetime:
        return self.record.created

    @property
    def updated(self) -> datetime:
        return self.record.updated

    @property
    def state_ids(self) -> tuple[str, ...]:
        """Every active state id, in document order."""
        states = self.definition.states
        return tuple(sorted(self.configuration, key=lambda s: states[s].order))

    @property
    def leaf_states(self) -> tuple[str, ...]:
        """The active atomic states (one per active region), in document order."""
        if self._leaves is None:
            self._leaves = leaf_states(self.definition, self.configuration)
        return self._leaves

    def in_state(self, ref: str) -> bool:
        """True when the state ``ref`` (a name, a path suffix or an id) is active."""
        return self.definition.resolve(ref) in self.configuration

    def __repr__(self) -> str:
        leaves = ", ".join(self.leaf_states)
        return f"<Instance {self.id} {self.chart} v{self.version} key={self.key!r} [{leaves}] {self.status}>"
