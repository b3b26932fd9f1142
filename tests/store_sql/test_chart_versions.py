"""Chart versions follow meaning, on every store (memory, SQLite, PostgreSQL).

A comment, a reordering or a new label changes no meaning: an engine on a database with
instances of the chart starts cleanly. A changed guard under the same ``version:`` is
refused, naming what changed. A version kept with its files runs its instances even after
the files have moved on, and a meaning the store numbered (deploy) runs as that number.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import Engine, load_chart
from engine.model.meaning import changes
from engine.store.ports import ChartVersionConflict, InstanceStore

CHART = """\
id: t.v
version: 1
context:
  total: {type: decimal, default: 0}
events:
  close: {source: external}
  pay: {source: external, data: {amount: decimal}}
states:
  open:
    on:
      pay:
        target: paid
        guard: event.amount >= 10
        actions: [{assign: {total: event.amount}}]
      close: done
  paid:
    on:
      close: done
  done: {type: final}
"""

#: the same meaning: comments, key order, quoting, layout and a label
SAME = """\
# The order flow, reformatted.
version: 1
id: "t.v"
events:
  pay: {data: {amount: decimal}, source: external}   # from the gateway
  close: {source: external}
context:
  total: {default: 0, type: decimal}
states:
  open:
    label: Open orders
    on:
      close: done
      pay:
        actions:
          - assign: {total: event.amount}
        guard: "(event.amount) >=   10"
        target: paid
  paid: {on: {close: done}}
  done:
    type: final
"""


def write(folder: Path, text: str, name: str = "v.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_comment_or_reordering_edit_starts_cleanly(
    any_store: InstanceStore, tmp_path: Path
) -> None:
    path = write(tmp_path, CHART)
    first = load_chart(path)
    engine = Engine(store=any_store, charts=[first])
    running = engine.start(first, {})
    write(tmp_path, SAME)
    same = load_chart(path)
    assert same.source_hash != first.source_hash and same.fingerprint == first.fingerprint
    later = Engine(store=any_store, charts=[same])  # another deployment: no conflict
    assert later.send(running.id, "pay", {"amount": "12"}).leaf_states == ("paid",)
    assert [v.version for v in any_store.chart_versions("t.v")] == [1]


def test_a_guard_change_under_the_same_version_is_refused_naming_it(
    any_store: InstanceStore, tmp_path: Path
) -> None:
    path = write(tmp_path, CHART)
    first = load_chart(path)
    Engine(store=any_store, charts=[first]).start(first, {})
    write(tmp_path, CHART.replace("event.amount >= 10", "event.amount >= 20"))
    changed = load_chart(path)
    with pytest.raises(ChartVersionConflict, match="another meaning") as caught:
        Engine(store=any_store, charts=[changed])
    assert caught.value.stored_meaning is not None
    from engine.model.meaning import meaning

    assert changes(caught.value.stored_meaning, meaning(changed)) == [
        "states.open.transitions.on pay[0].guard: event.amount >= 10 -> event.amount >= 20"
    ]


def test_an_unused_version_may_still_be_corrected(any_store: InstanceStore, tmp_path: Path) -> None:
    path = write(tmp_path, CHART)
    Engine(store=any_store, charts=[load_chart(path)])
    write(tmp_path, CHART.replace(">= 10", ">= 20"))
    Engine(store=any_store, charts=[load_chart(path)])  # no instance uses version 1 yet
    [version] = any_store.chart_versions("t.v")
    assert version.meaning is not None and "20" in str(version.meaning["states"])


def test_instances_run_on_their_version_from_the_files_the_store_kept(
    any_store: InstanceStore, tmp_path: Path
) -> None:
    path = write(tmp_path, CHART)
    v1 = load_chart(path)
    old = Engine(store=any_store, charts=[v1]).start(v1, {})
    write(tmp_path, CHART.replace("version: 1", "version: 2").replace(">= 10", ">= 20"))
    v2 = load_chart(path)
    # the file on disk is version 2 now; version 1's instance still runs by version 1's rules
    engine = Engine(store=any_store, charts=[v2])
    assert engine.send(old.id, "pay", {"amount": "15"}).leaf_states == ("paid",)
    new = engine.start(v2, {})
    assert new.version == 2
    versions = any_store.chart_versions("t.v")
    assert [(v.version, v.active, v.has_bundle) for v in versions] == [(1, 1, True), (2, 1, True)]


def test_a_meaning_the_store_numbered_runs_as_that_number(
    any_store: InstanceStore, tmp_path: Path
) -> None:
    path = write(tmp_path, CHART)
    v1 = load_chart(path)
    Engine(store=any_store, charts=[v1]).start(v1, {})
    changed_text = CHART.replace(">= 10", ">= 20")
    changed = load_chart(
        write(tmp_path, changed_text.replace("version: 1", "version: 2"), "b.yaml")
    )
    Engine(store=any_store, charts=[changed])  # registered as version 2 (as deploy would)
    # the file keeps saying `version: 1`, but its meaning is version 2 in this store
    same_file = load_chart(write(tmp_path, changed_text))
    engine = Engine(store=any_store, charts=[same_file])
    assert engine.start(same_file, {}).version == 2
