"""The charts an engine runs: one interpreter per chart version, and what each chart needs.

A chart is checked when it is registered: every task it declares or calls needs a handler,
every notification channel it uses needs a transport. Charts it spawns, starts or sends
events to must be registered by the time its first instance starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from engine.errors import StatewiseError
from engine.limits import DEFAULT_LIMITS, Limits
from engine.model import Action, Chart, Notify, Send, Spawn, StartInstance, StartTask
from engine.runtime import Interpreter
from engine.service.instance import leaf_states

if TYPE_CHECKING:
    from engine.expr import FunctionRegistry
    from engine.runtime import InstanceInfo

__all__ = [
    "ChartRegistry",
    "ConfigurationError",
    "LoadedChart",
    "Needs",
    "TaskHandler",
    "chart_actions",
    "chart_needs",
]


class ConfigurationError(StatewiseError):
    """The engine is not set up for a chart: a task handler, transport or chart is missing."""


class TaskHandler(Protocol):
    """Runs a task for a chart. Return its result, raise to fail it, or return ``None`` when
    the outcome will arrive later (then send ``done.invoke.<task>`` yourself)."""

    def __call__(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any] | None: ...


def chart_actions(chart: Chart) -> Iterator[Action]:
    """Every action of a chart: entry, exit, initial and transition actions, nested ``if``
    included (:meth:`Chart.actions`)."""
    return chart.actions()


@dataclass(frozen=True, slots=True)
class Needs:
    """What running a chart takes: task handlers, transports and other charts."""

    tasks: frozenset[str]
    channels: frozenset[str]
    charts: frozenset[str]


def chart_needs(chart: Chart) -> Needs:
    tasks = set(chart.tasks)
    channels: set[str] = set()
    charts: set[str] = set()
    for state in chart.states.values():
        tasks.update(i.task for i in state.invoke)
    for a in chart_actions(chart):
        if isinstance(a, StartTask):
            tasks.add(a.task)
        elif isinstance(a, Notify):
            channels.add(a.channel)
        elif isinstance(a, Spawn | StartInstance):
            charts.add(a.chart)
        elif isinstance(a, Send) and a.target.kind == "related" and a.target.chart:
            charts.add(a.target.chart)
    charts.discard(chart.id)
    return Needs(frozenset(tasks), frozenset(channels), frozenset(charts))


class LeafCache(dict[frozenset[str], tuple[str, ...]]):
    """Configuration -> its leaf states, computed on the first lookup (configurations
    repeat a lot, and ``cache[configuration]`` of a known one runs no Python code)."""

    __slots__ = ("chart",)

    def __init__(self, chart: Chart) -> None:
        super().__init__()
        self.chart = chart

    def __missing__(self, configuration: frozenset[str]) -> tuple[str, ...]:
        found = self[configuration] = leaf_states(self.chart, configuration)
        return found


@dataclass(slots=True)
class LoadedChart:
    """A registered chart, its interpreter and the chart ids it depends on.

    ``leaves(configuration)`` gives the leaf states of a configuration, cached.
    """

    chart: Chart
    interpreter: Interpreter
    needs_charts: frozenset[str]
    checked: bool = False
    leaves: Callable[[frozenset[str]], tuple[str, ...]] = field(init=False)

    def __post_init__(self) -> None:
        self.leaves = LeafCache(self.chart).__getitem__


class ChartRegistry:
    def __init__(
        self,
        *,
        tasks: Mapping[str, TaskHandler],
        channels: frozenset[str],
        functions: FunctionRegistry | None = None,
        fallback: Callable[[str, int], Chart | None] | None = None,
        on_new: Callable[[Chart], LoadedChart] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self._tasks = tasks
        self._channels = channels
        self._functions = functions
        #: where a version not registered yet may come from (the store's kept files)
        self._fallback = fallback
        #: how a chart value not seen yet is registered (the engine: by its stored version)
        self._on_new = on_new or self.register
        self._limits = limits
        self._charts: dict[tuple[str, int], LoadedChart] = {}
        #: (chart id, version in its file, fingerprint) -> the version it runs as
        self._seen: dict[tuple[str, int, str], LoadedChart] = {}
        #: ``find((chart id, version))``: the registered chart or None (no error, no frame)
        self.find = self._charts.get
        self._latest: dict[str, LoadedChart] = {}

    def __iter__(self) -> Iterator[LoadedChart]:
        return iter(self._charts.values())

    def register(self, chart: Chart) -> LoadedChart:
        known = self._charts.get((chart.id, chart.version))
        if known is not None:
            if known.chart is chart or known.chart.fingerprint == chart.fingerprint:
                return known
            raise ConfigurationError(
                f"chart {chart.id!r} version {chart.version} is already registered with a "
                "different meaning; give the changed chart a new version"
            )
        needs = chart_needs(chart)
        self._check_setup(chart, needs)
        interpreter = Interpreter(chart, functions=self._functions, limits=self._limits)
        loaded = LoadedChart(chart, interpreter, needs.charts)
        self._charts[(chart.id, chart.version)] = loaded
        latest = self._latest.get(chart.id)
        if latest is None or latest.chart.version < chart.version:
            self._latest[chart.id] = loaded
        return loaded

    def _check_setup(self, chart: Chart, needs: Needs) -> None:
        problems = []
        missing_tasks = sorted(needs.tasks - set(self._tasks))
        if missing_tasks:
            problems.append(
                f"no handler for task(s) {', '.join(missing_tasks)}; "
                "pass tasks={name: handler} to Engine"
            )
        missing_channels = sorted(needs.channels - self._channels)
        if missing_channels:
            problems.append(
                f"no transport for channel(s) {', '.join(missing_channels)}; "
                "pass transports={channel: Transport} to Engine (LogTransport or MemoryTransport)"
            )
        if problems:
            raise ConfigurationError(f"chart {chart.id!r}: " + "; ".join(problems))

    def check_references(self, loaded: LoadedChart) -> None:
        """Before the first start: every chart this one spawns or sends to is registered."""
        if loaded.checked:
            return
        missing = sorted(c for c in loaded.needs_charts if c not in self._latest)
        if missing:
            raise ConfigurationError(
                f"chart {loaded.chart.id!r} spawns or sends events to chart(s) "
                f"{', '.join(missing)}, which are not registered; pass them in charts=[...] "
                "or call Engine.register()"
            )
        loaded.checked = True

    def get(self, chart_id: str, version: int) -> LoadedChart:
        """A registered version; one that is not is loaded from the fallback (the files the
        store kept), so instances keep running on versions no longer on disk."""
        found = self._charts.get((chart_id, version))
        if found is None and self._fallback is not None:
            chart = self._fallback(chart_id, version)
            if chart is not None:
                found = self.register(chart)
        if found is None:
            raise ConfigurationError(f"chart {chart_id!r} version {version} is not registered")
        return found

    def seen(self, chart: Chart) -> LoadedChart | None:
        """The version a chart value was registered as (see :meth:`remember`), if it was."""
        return self._seen.get((chart.id, chart.version, chart.fingerprint))

    def remember(self, chart: Chart, loaded: LoadedChart) -> None:
        """``chart`` (as its file numbers it) runs as ``loaded`` (as the store numbers it)."""
        self._seen[(chart.id, chart.version, chart.fingerprint)] = loaded

    def latest(self, chart_id: str) -> LoadedChart:
        found = self._latest.get(chart_id)
        if found is None:
            known = ", ".join(sorted(self._latest)) or "none"
            raise ConfigurationError(f"chart {chart_id!r} is not registered (registered: {known})")
        return found

    def resolve(self, chart: Chart | str) -> LoadedChart:
        """A Chart value is registered on the fly (unless it was, under any number); an id
        names the latest registered version."""
        if isinstance(chart, str):
            return self.latest(chart)
        return self.seen(chart) or self._on_new(chart)


def chart_source(chart: Chart) -> str | None:
    """The chart file's text, kept beside its version in the store (None when unreadable)."""
    try:
        return Path(chart.file).read_text(encoding="utf-8")
    except OSError:
        return None
