"""The MemoryStore keeps audit lines packed, and gives back exactly what it was given.

Lines that share everything but their sequence number and time are kept as two integers;
any other line (a note, event data, a time that is not UTC, ...) is kept whole. Either way
``history()`` returns records equal to those saved, with the very same objects inside.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

import pytest

import engine.store.memory_trail as memory_trail
from engine import Engine, ManualClock, MemoryStore, load_text
from engine.runtime import Event, InstanceInfo, Snapshot
from engine.runtime.values import EMPTY
from engine.service.commit import SYSTEM, AuditInfo, unit_of_work
from engine.store import AuditRecord, Changes, InstanceRecord

T0 = datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=UTC)
SNAP = Snapshot(frozenset({"a"}), {"n": 1})
FROM, TO = ("a",), ("b",)


def _store_with_instance() -> tuple[MemoryStore, str]:
    store = MemoryStore()
    info = InstanceInfo(store.new_id(), None, "c", 1)
    store.create(InstanceRecord(info, SNAP, "active", 1, T0, T0), Changes())
    return store, info.id


def line(iid: str, seq: int, **kw: Any) -> AuditRecord:
    fields: dict[str, Any] = {
        "event": "go",
        "data": EMPTY,
        "from_configuration": FROM,
        "to_configuration": TO,
        "actor": None,
        "note": None,
        "client_note": None,
        "kind": "event",
    }
    fields.update(kw)
    fields.setdefault("time", T0 + timedelta(seconds=seq % 1000, microseconds=seq % 1000))
    return AuditRecord(iid, seq, **fields)


def _save_all(store: MemoryStore, iid: str, lines: list[AuditRecord]) -> None:
    version = 1
    for one in lines:
        store.save(
            iid,
            SNAP,
            status="active",
            expected_version=version,
            time=T0,
            changes=Changes(audit=(one,)),
        )
        version += 1


def _same(got: tuple[AuditRecord, ...], saved: list[AuditRecord]) -> None:
    assert got == tuple(saved)
    for g, s in zip(got, saved, strict=True):
        assert g.data is s.data
        assert g.from_configuration is s.from_configuration
        assert g.to_configuration is s.to_configuration
        assert g.time.tzinfo is s.time.tzinfo


UTC_PLUS_2 = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("kw", "packed"),
    [
        ({}, True),
        ({"actor": "ann", "kind": "forced"}, True),
        ({"data": MappingProxyType({})}, True),
        ({"note": "why"}, False),
        ({"client_note": "for the customer"}, False),
        ({"data": {"amount": 3}}, False),
        ({"data": {}}, False),  # a caller's dict: it may be filled later
        ({"time": datetime(2026, 1, 5, 11, 0, tzinfo=UTC_PLUS_2)}, False),
        ({"time": datetime(2026, 1, 5, 9, 0)}, False),  # naive
        ({"time": datetime(2026, 1, 5, 9, 0, tzinfo=UTC, fold=1)}, False),
        ({"time": datetime(1900, 1, 1, tzinfo=UTC)}, True),  # before the epoch
        ({"time": datetime.max.replace(tzinfo=UTC)}, True),
        ({"time": datetime.min.replace(tzinfo=UTC)}, True),
    ],
)
def test_every_line_comes_back_as_saved(kw: dict[str, Any], packed: bool) -> None:
    store, iid = _store_with_instance()
    saved = [line(iid, 2), line(iid, 3, **kw), line(iid, 4)]
    _save_all(store, iid, saved)
    _same(store.history(iid), saved)
    codes = list(store._audit[iid])[0::2]
    assert (codes[1] >= 0) is packed
    assert codes[0] >= 0 and codes[2] >= 0


def test_big_sequence_numbers_and_other_instances_lines_are_kept_whole() -> None:
    store, iid = _store_with_instance()
    big = line(iid, 1 << 40)
    stranger = line("someone-else", 3)
    store._trail.add(iid, big)
    store._trail.add(iid, stranger)
    _same(store.history(iid), [big, stranger])
    assert all(code < 0 for code in list(store._audit[iid])[0::2])


def test_shapes_are_shared_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    store, iid = _store_with_instance()
    _save_all(store, iid, [line(iid, n) for n in range(2, 12)])
    assert len(store._trail._shapes) == 1  # ten lines, one shape
    monkeypatch.setattr(memory_trail, "_MAX_SHAPES", 2)
    saved = [line(iid, 20, event=f"e{n}") for n in range(3)]
    for one in saved:
        store._trail.add(iid, one)
    assert len(store._trail._shapes) == 2
    assert store.history(iid)[-3:] == tuple(saved)


def test_only_a_few_empty_mappings_are_kept_for_shapes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory_trail, "_MAX_EMPTIES", 1)
    store, iid = _store_with_instance()
    first: Mapping[str, Any] = MappingProxyType({})
    second: Mapping[str, Any] = MappingProxyType({})
    saved = [line(iid, 2, data=first), line(iid, 3, data=second), line(iid, 4, data=first)]
    for one in saved:
        store._trail.add(iid, one)
    _same(store.history(iid), saved)
    assert [code >= 0 for code in list(store._audit[iid])[0::2]] == [True, False, True]


ORDER = """
id: t.audit
version: 1
context: {n: {type: integer, default: 0}}
states:
  a:
    on:
      go: {target: b, actions: [{assign: {n: n + 1}}]}
  b:
    on:
      back: a
      say: {actions: [{log: "'said'"}]}
"""


def test_the_engine_trail_reads_back_in_order() -> None:
    chart = load_text(ORDER, "<audit>")
    clock = ManualClock(T0)
    engine = Engine(MemoryStore(), clock, charts=[chart])
    inst = engine.start(chart)
    for event in ("go", "back", "go"):
        clock.advance(timedelta(seconds=1, microseconds=7))
        engine.send(inst.id, event)
    engine.send(inst.id, "say", actor="bob", note="checked")
    engine.note(inst.id, "a person's note", actor="ann")
    trail = engine.history(inst.id)
    assert [(r.seq, r.kind, r.event) for r in trail] == [
        (1, "start", None),
        (2, "event", "go"),
        (3, "event", "back"),
        (4, "event", "go"),
        (5, "event", "say"),
        (5, "log", None),
        (6, "note", None),
    ]
    assert [r.time for r in trail[:4]] == [
        T0 + n * timedelta(seconds=1, microseconds=7) for n in range(4)
    ]
    assert trail[1].to_configuration == ("b",) and trail[2].from_configuration == ("b",)
    assert (trail[4].actor, trail[4].note, trail[5].note) == ("bob", "checked", "said")


class Capturing(MemoryStore):
    """A MemoryStore that remembers every unit of work it saved."""

    def __init__(self) -> None:
        super().__init__()
        self.saved: list[Changes] = []

    def save(self, instance_id: str, snapshot: Snapshot, **kw: Any) -> InstanceRecord:
        self.saved.append(kw["changes"])
        return super().save(instance_id, snapshot, **kw)


def test_the_usual_step_saves_what_unit_of_work_builds() -> None:
    """Core.apply builds the audit line of a step without effects itself (the hot path);
    it must be the unit of work ``unit_of_work`` would build."""
    chart = load_text(ORDER, "<audit>")
    clock = ManualClock(T0)
    store = Capturing()
    engine = Engine(store, clock, charts=[chart])
    record = store.load(engine.start(chart).id)
    loaded = engine._registry.get(chart.id, chart.version)
    plan = [("go", SYSTEM), ("back", AuditInfo("event", "ann", "why", "for you")), ("go", SYSTEM)]
    plan.append(("say", SYSTEM))  # a log effect: the general builder
    for name, who in plan:
        clock.advance(timedelta(seconds=1))
        now, ev = clock.now(), Event(name)
        step = loaded.interpreter.step(record.snapshot, ev, now, instance=record.info)
        expected = unit_of_work(record.id, record.row_version + 1, step, now, loaded.leaves, who)
        record = engine._core.apply(record, loaded, ev, who)
        assert store.saved[-1] == expected
