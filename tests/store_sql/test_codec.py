"""The typed JSON codec: every value a context, a snapshot or an effect holds comes back equal
(and of the same type), and what cannot come back is refused."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.runtime import (
    CancelTimer,
    ChildSpec,
    Event,
    EventForInstance,
    LogEntry,
    NotifyRequested,
    PendingTimer,
    ScheduleTimer,
    Snapshot,
    SpawnRequested,
    StartRequested,
    TaskRequested,
)
from engine.runtime.values import EMPTY
from engine.store.sql.codec import decode, decode_effect, encode, encode_effect
from tests.store_sql.helpers import rich_snapshot

decimals = st.decimals(allow_nan=False, allow_infinity=True) | st.decimals(places=2)
zones = st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30))])
timestamps = st.datetimes(timezones=zones) | st.datetimes(timezones=st.timezones())
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | decimals
    | st.dates()
    | timestamps
    | st.timedeltas()
    | st.times()
    | st.binary(max_size=20)
)
keys = st.text(max_size=8) | st.sampled_from(["$dec", "$map", "$", "$x"])
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(keys, inner, max_size=4)
        | st.dictionaries(st.integers(), inner, max_size=3)
        | st.frozensets(st.integers() | st.text(max_size=4), max_size=4)
    ),
    max_leaves=20,
)


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (1 == 1.0 == True would hide a loss)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Decimal):
        return str(a) == str(b)  # exponent and trailing zeros too
    if isinstance(a, dt.datetime):
        return (
            a == b
            and a.replace(tzinfo=None) == b.replace(tzinfo=None)
            and (a.utcoffset() == b.utcoffset())
        )
    return bool(a == b)


@settings(max_examples=400, deadline=None)
@given(values)
def test_every_value_round_trips_exactly(value: Any) -> None:
    text = encode(value)
    json.loads(text)  # plain, valid JSON (no NaN, no Infinity)
    assert same(decode(text), value)


@given(st.dictionaries(st.text(max_size=10), scalars, max_size=6))
def test_contexts_round_trip(context: dict[str, Any]) -> None:
    assert same(decode(encode(context)), context)


def test_plain_json_stays_plain_and_readable() -> None:
    context = {"email": "ann@example.com", "n": 3, "ok": True, "items": [{"a": None}]}
    assert encode(context) == '{"email":"ann@example.com","n":3,"ok":true,"items":[{"a":null}]}'
    assert encode({"total": Decimal("12.50")}) == '{"total":{"$dec":"12.50"}}'


def test_tags_inside_user_data_are_escaped() -> None:
    tricky = {"$dec": "1"}
    assert decode(encode(tricky)) == tricky and type(decode(encode(tricky))) is dict
    assert decode(encode({"x": {"$obj": ["Event", {}]}})) == {"x": {"$obj": ["Event", {}]}}


def test_time_zones_are_rebuilt_field_for_field() -> None:
    paris = ZoneInfo("Europe/Paris")
    ambiguous = dt.datetime(2026, 10, 25, 2, 30, tzinfo=paris, fold=1)
    back = decode(encode(ambiguous))
    assert back.tzinfo is paris and back.fold == 1 and back == ambiguous
    assert decode(encode(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))).tzinfo == dt.UTC


def test_non_finite_floats_are_tagged() -> None:
    text = encode([float("inf"), float("-inf")])
    assert "Infinity" not in text and decode(text) == [float("inf"), float("-inf")]
    nan = decode(encode(float("nan")))
    assert nan != nan


def test_other_mappings_come_back_as_dicts() -> None:
    assert decode(encode(MappingProxyType({"a": 1}))) == {"a": 1}
    assert decode(encode(EMPTY)) == {}


@pytest.mark.parametrize("bad", [object(), {1.5j}, [set([object()])], type])
def test_what_cannot_come_back_is_refused(bad: Any) -> None:
    with pytest.raises(TypeError, match="cannot store"):
        encode(bad)


def test_snapshots_round_trip() -> None:
    snap = rich_snapshot()
    back = Snapshot(
        frozenset(decode(encode(sorted(snap.configuration)))),
        decode(encode(snap.context)),
        decode(encode(snap.history)),
        decode(encode(snap.timers)),
        snap.done,
    )
    assert back == snap
    assert isinstance(back.timers["after.p.0"], PendingTimer)


EVENT = Event("ship", {"n": Decimal("2")}, "child", "ann", frozenset({"clerk"}), "note")
EFFECTS = [
    ScheduleTimer(PendingTimer("t", "after.a.0", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))),
    CancelTimer("t"),
    NotifyRequested("paid", "email", ("a@example.com", "b@example.com"), {"total": Decimal("1")}),
    TaskRequested("authorize", {"amount": Decimal("12.50")}, "i1:2:0"),
    SpawnRequested("items", "test.child", (ChildSpec("D1", {"n": 1}), ChildSpec(None, {}))),
    StartRequested("test.order", None, {"total": Decimal("3")}),
    EventForInstance("parent", EVENT),
    EventForInstance("related", Event("ping"), "test.related", "K"),
    LogEntry("paid"),
]


@pytest.mark.parametrize("effect", EFFECTS, ids=lambda e: type(e).__name__)
def test_effects_round_trip(effect: Any) -> None:
    kind, payload = encode_effect(effect)
    assert kind == type(effect).__name__
    back = decode_effect(kind, payload)
    assert back == effect and type(back) is type(effect)
    assert decode(encode(effect)) == effect


@given(
    st.builds(
        NotifyRequested,
        st.text(max_size=5),
        st.text(max_size=5),
        st.lists(st.text(max_size=5), max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=5), scalars, max_size=3),
    )
)
def test_notifications_round_trip(effect: NotifyRequested) -> None:
    back = decode_effect(*encode_effect(effect))
    assert same(dict(back.variables), dict(effect.variables))
    assert back.recipients == effect.recipients and type(back.recipients) is tuple


def test_unknown_kinds_and_tags_are_errors() -> None:
    with pytest.raises(TypeError):
        encode_effect(object())
    with pytest.raises(ValueError, match="unknown stored effect"):
        decode_effect("Nope", "{}")
    with pytest.raises(ValueError, match="unknown tag"):
        decode('{"$nope": 1}')
    with pytest.raises(ValueError, match="unknown stored value type"):
        decode('{"$obj": ["Nope", {}]}')
