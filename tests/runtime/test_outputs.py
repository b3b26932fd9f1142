"""What a step did, as plain values: the context changes and the effects it asked for."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest

from engine.runtime import (
    CancelTimer,
    ChildSpec,
    Event,
    EventForInstance,
    LogEntry,
    NotifyRequested,
    PendingTimer,
    ScheduleTimer,
    SpawnRequested,
    StartRequested,
    TaskRequested,
)
from engine.runtime.outputs import context_changes, effect_summaries, effect_summary, plain

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_plain_values_are_dicts_and_lists_all_the_way_down() -> None:
    value = MappingProxyType({"a": (1, [2, (3,)]), "b": MappingProxyType({"c": frozenset({2, 1})})})
    assert plain(value) == {"a": [1, [2, [3]]], "b": {"c": [1, 2]}}
    assert type(plain(value)["b"]) is dict


@pytest.mark.parametrize(
    ("before", "after", "changes"),
    [
        ({"n": 1}, {"n": 1}, {}),
        ({"n": 1, "s": "x"}, {"n": 2, "s": "x"}, {"n": 2}),
        ({"d": Decimal("1.50")}, {"d": Decimal("1.5")}, {}),  # equal values are no change
        ({"o": 1}, {}, {"o": None}),
        ({}, {"l": (1, 2)}, {"l": (1, 2)}),  # as they are: compared through plain()
    ],
)
def test_context_changes(
    before: dict[str, Any], after: dict[str, Any], changes: dict[str, Any]
) -> None:
    assert context_changes(before, after) == changes


def test_the_same_mapping_costs_one_identity_test() -> None:
    same = {"n": 1}
    assert context_changes(same, same) == {}


def test_effect_summaries_leave_out_what_stays_inside_the_instance() -> None:
    timer = PendingTimer("s#0", "after.s.0", T, {"k": 1})
    effects = [
        NotifyRequested("receipt", "email", ("ann@example.com",), {"total": 3}),
        TaskRequested("charge", MappingProxyType({"amount": Decimal("3.00")}), "i:charge:abc.1"),
        ScheduleTimer(timer),
        CancelTimer("s#1"),
        LogEntry("hello"),
        SpawnRequested("items", "shop.item", (ChildSpec("k1", {"n": 1}),)),
        StartRequested("shop.audit", None, {"n": 2}),
        EventForInstance("parent", Event("child.done", {"ok": True}, "child")),
        EventForInstance("related", Event("ping"), chart="c", key="k"),
    ]
    assert effect_summaries(effects) == [
        {"notify": "receipt", "channel": "email", "to": ["ann@example.com"]},
        {"task": "charge", "input": {"amount": Decimal("3.00")}},  # no call id
        {"timer": "after.s.0", "due": T, "data": {"k": 1}},
        {"spawn": "items", "chart": "shop.item", "children": [{"key": "k1", "context": {"n": 1}}]},
        {"start": "shop.audit", "key": None, "context": {"n": 2}},
        {"send": "child.done", "to": "parent", "data": {"ok": True}},
        {"send": "ping", "to": "related", "chart": "c", "key": "k"},
    ]
    assert effect_summary(CancelTimer("x")) is None
