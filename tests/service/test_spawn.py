"""Spawned children, events between parent and children, and related instances."""

from __future__ import annotations

import logging

import pytest

from engine import ConfigurationError, Engine, ManualClock, MemoryStore

ITEMS = {"items": [{"number": "D1"}, {"number": "D2"}]}


@pytest.fixture
def family(charts: dict, clock: ManualClock) -> Engine:
    return Engine(MemoryStore(), clock, charts=[charts["parent"], charts["child"]])


def test_spawn_starts_one_child_per_item_linked_to_the_parent(family: Engine) -> None:
    parent = family.start("test.parent", ITEMS, key="P1")
    children = family.children(parent.id)
    assert [c.key for c in children] == ["D1", "D2"]
    assert all(c.parent == parent.id and c.chart == "test.child" for c in children)
    assert children[0].context["number"] == "D1"
    assert family.find("test.child", "D2") is not None


def test_children_report_to_the_parent_and_done_spawn_follows_the_last(family: Engine) -> None:
    parent = family.start("test.parent", ITEMS)
    d1, d2 = family.children(parent.id)
    family.send(d1.id, "ship")
    mid = family.get(parent.id)
    assert mid.context["shipped"] == 1 and mid.leaf_states == ("open",)
    family.send(d2.id, "ship")
    end = family.get(parent.id)
    assert end.context["shipped"] == 2 and end.leaf_states == ("complete",) and end.done
    done = [r for r in family.history(parent.id) if r.event == "done.spawn.items"]
    assert len(done) == 1 and done[0].data == {"count": 2}


def test_the_parent_sends_to_its_children(family: Engine) -> None:
    parent = family.start("test.parent", ITEMS)
    d1, _ = family.children(parent.id)
    family.send(d1.id, "ship")
    after = family.send(parent.id, "cancel")
    states = [c.leaf_states for c in family.children(parent.id)]
    assert states == [("shipped",), ("cancelled",)]  # the shipped child refused, the other obeyed
    assert after.leaf_states == ("complete",)


def test_a_finished_child_refusing_is_logged_not_raised(
    family: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    parent = family.start("test.parent", ITEMS)
    d1, _ = family.children(parent.id)
    family.send(d1.id, "ship")
    with caplog.at_level(logging.WARNING, logger="statewise.engine"):
        family.send(parent.id, "cancel")
    assert any("refused cancel" in r.getMessage() for r in caplog.records)


def test_an_empty_spawn_is_done_at_once(family: Engine) -> None:
    parent = family.start("test.parent", {"items": []})
    assert parent.leaf_states == ("complete",)


def test_spawned_charts_must_be_registered(charts: dict) -> None:
    engine = Engine(charts=[charts["parent"]])
    with pytest.raises(ConfigurationError, match=r"test\.child"):
        engine.start("test.parent", ITEMS)


def test_events_reach_related_instances_by_key(charts: dict) -> None:
    engine = Engine(charts=[charts["related"]])
    a = engine.start("test.related", {"other": "B"}, key="A")
    b = engine.start("test.related", {"other": "A"}, key="B")
    engine.send(a.id, "poke")
    assert engine.get(b.id).context["pings"] == 1
    engine.send(b.id, "stop")
    engine.send(a.id, "poke")  # B is done: it refuses, A is not affected
    assert engine.get(b.id).context["pings"] == 1
