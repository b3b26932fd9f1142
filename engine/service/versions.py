"""Chart versions between the engine and its store: identity by meaning.

* :func:`adopt_version`: a chart whose meaning the store already knows under another
  number (``statewise deploy`` numbered it) runs as that version, whatever its file says;
* :func:`record_version`: a version is recorded with its fingerprint, its meaning (to say
  later what changed) and its files (so its instances can run after the files moved on);
* :func:`stored_chart`: a version rebuilt from the files the store kept, for instances
  whose version is no longer among the charts on disk.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from engine.loader.bundle import bundle_of, load_bundle
from engine.model import Chart
from engine.model.meaning import meaning
from engine.service.registry import ChartRegistry, LoadedChart, chart_source

if TYPE_CHECKING:
    from engine.expr import FunctionRegistry
    from engine.store.ports import InstanceStore

__all__ = ["adopt_version", "record_version", "register_version", "stored_chart"]


def adopt_version(store: InstanceStore, chart: Chart) -> Chart:
    """``chart`` with the version number the store has for its meaning, if it has one."""
    found = store.chart_version_for(chart.id, chart.fingerprint)
    if found is None or found == chart.version:
        return chart
    return replace(chart, version=found)


def record_version(store: InstanceStore, chart: Chart) -> None:
    """Record the version in the store; ChartVersionConflict if a used version's meaning
    changed."""
    store.register_chart(
        chart.id,
        chart.version,
        chart.source_hash,
        chart_source(chart),
        fingerprint=chart.fingerprint,
        meaning=meaning(chart),
        bundle=bundle_of(chart),
    )


def register_version(store: InstanceStore, registry: ChartRegistry, chart: Chart) -> LoadedChart:
    """Make ``chart`` available as the version its meaning has in the store (``version:``
    when the store has none), recording it there; once per chart value."""
    found = registry.seen(chart)
    if found is None:
        adopted = adopt_version(store, chart)
        found = registry.register(adopted)
        registry.remember(chart, found)
        record_version(store, adopted)
    return found


def stored_chart(
    store: InstanceStore, chart_id: str, version: int, functions: FunctionRegistry | None
) -> Chart | None:
    """The version as the store kept it (None when it kept no files for it)."""
    bundle = store.chart_bundle(chart_id, version)
    if bundle is None:
        return None
    return load_bundle(bundle, version, functions=functions)
