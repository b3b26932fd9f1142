"""A chart version is recorded when the Engine registers it, and is immutable once used."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import Engine, MemoryStore, SqlStore, load_chart
from engine.store.ports import ChartVersionConflict, InstanceStore

CHART = "id: t.v\nversion: 1\nstates:\n  open:\n    on:\n      close: done\n  done: {type: final}\n"
EVENTS = "events:\n  close: {source: external}\n"


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> InstanceStore:
    if request.param == "memory":
        return MemoryStore()
    return SqlStore(f"sqlite:///{tmp_path / 'v.db'}", create=True)


def test_a_used_version_cannot_change_but_a_new_version_can(
    store: InstanceStore, tmp_path: Path
) -> None:
    path = tmp_path / "v.yaml"
    path.write_text(CHART + EVENTS)
    first = load_chart(path)
    engine = Engine(store=store, charts=[first])
    engine.register(first)  # the same definition again: fine
    engine.start(first, {})
    path.write_text(
        CHART.replace("done: {type: final}", "done: {type: final, label: Done}") + EVENTS
    )
    changed = load_chart(path)
    assert changed.source_hash != first.source_hash
    # A new deployment (another Engine on the same database) brings the changed chart.
    with pytest.raises(ChartVersionConflict, match="version 1 is used by stored instances"):
        Engine(store=store, charts=[changed])
    path.write_text((CHART + EVENTS).replace("version: 1", "version: 2"))
    Engine(store=store, charts=[load_chart(path)])  # a new version beside the old one


def test_an_unused_version_may_still_be_corrected(store: InstanceStore, tmp_path: Path) -> None:
    path = tmp_path / "v.yaml"
    path.write_text(CHART + EVENTS)
    Engine(store=store, charts=[load_chart(path)])
    path.write_text(
        CHART.replace("done: {type: final}", "done: {type: final, label: Done}") + EVENTS
    )
    Engine(store=store, charts=[load_chart(path)])  # no instance uses version 1 yet
