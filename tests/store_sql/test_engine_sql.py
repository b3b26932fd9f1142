"""The Engine end to end on SqlStore (SQLite files and PostgreSQL): start, send, history,
timers with a ManualClock, tasks, spawns, related instances, notes and effects."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from engine import (
    Chart,
    Engine,
    EventRefused,
    InstanceInfo,
    ManualClock,
    MemoryTransport,
)
from engine.store.sql import SqlStore
from tests.store_sql.conftest import START

ORDER = {"total": "10.00", "credit_limit": "20.00", "email": "ann@example.com"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def _engine(store: SqlStore, clock: ManualClock, charts: dict[str, Chart], **kw: Any) -> Engine:
    kw.setdefault("transports", {"email": MemoryTransport()})
    kw.setdefault("tasks", {"authorize": lambda _input, **_kw: {"outcome": "ok"}})
    return Engine(store, clock, charts=list(charts.values()), **kw)


class Gateway:
    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.keys: list[str] = []

    def __call__(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any] | None:
        self.keys.append(idempotency_key)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[no-any-return]


def test_start_send_history_and_a_fresh_store_sees_the_same(
    sql_store: SqlStore, clock: ManualClock, charts: dict[str, Chart]
) -> None:
    mail = MemoryTransport()
    engine = _engine(sql_store, clock, charts, transports={"email": mail})
    order = engine.start("test.order", ORDER, key="A-1")
    assert order.leaf_states == ("pending",) and order.row_version == 1
    clock.advance(timedelta(minutes=5))
    paid = engine.send(order.id, "pay", actor="ann", note="by card")
    assert paid.leaf_states == ("paid",) and paid.done and paid.context["payments"] == 1
    assert mail.sent[0].subject == "Order A-1 paid"
    trail = engine.history(order.id)
    assert [(r.kind, r.event, r.to_configuration) for r in trail] == [
        ("start", None, ("pending",)),
        ("event", "pay", ("paid",)),
        ("log", None, ("paid",)),
    ]
    assert trail[1].actor == "ann" and trail[1].note == "by card"
    assert trail[1].time == START + timedelta(minutes=5)
    assert sql_store.pending_outbox() == ()  # the notification was performed
    again = SqlStore(sql_store._db.engine.url)  # another process, in effect
    try:
        fresh = _engine(again, clock, charts, transports={"email": mail})
        seen = fresh.get(order.id)
        assert seen.context == paid.context and seen.leaf_states == ("paid",)
        assert fresh.find("test.order", "A-1") is not None
        assert fresh.history(order.id) == trail
    finally:
        again.close()


def test_a_refused_event_changes_nothing(
    sql_store: SqlStore, clock: ManualClock, charts: dict[str, Chart]
) -> None:
    engine = _engine(sql_store, clock, charts)
    order = engine.start("test.order", {**ORDER, "total": "50.00"})
    with pytest.raises(EventRefused):
        engine.send(order.id, "pay")
    assert engine.get(order.id).row_version == 1 and len(engine.history(order.id)) == 1


def test_timers_fire_on_tick(
    sql_store: SqlStore, clock: ManualClock, charts: dict[str, Chart]
) -> None:
    engine = _engine(sql_store, clock, charts)
    late = engine.start("test.order", ORDER)
    paid = engine.start("test.order", ORDER)
    engine.send(paid.id, "pay")
    assert [d.timer_id for d in sql_store.due(START + timedelta(hours=1))] == [
        next(iter(late.timers))
    ]
    clock.advance(timedelta(minutes=29))
    assert engine.tick() == 0
    clock.advance(timedelta(minutes=1))
    assert engine.tick() == 1
    expired = engine.get(late.id)
    assert expired.leaf_states == ("expired",) and expired.timers == {}
    assert engine.history(late.id)[-1].time == START + timedelta(minutes=30)
    assert sql_store.due(START + timedelta(days=1)) == ()
    assert engine.get(paid.id).leaf_states == ("paid",)


def test_tasks_run_after_the_commit(
    sql_store: SqlStore, clock: ManualClock, charts: dict[str, Chart]
) -> None:
    gateway = Gateway(None, {"outcome": "ok"})
    engine = _engine(sql_store, clock, charts, tasks={"authorize": gateway})
    inst = engine.start("test.tasks", {"amount": "12.50"})
    assert inst.leaf_states == ("authorizing",)
    later = engine.send(inst.id, "done.invoke.authorize", {"outcome": "processing"})
    assert later.leaf_states == ("waiting",)
    again = engine.send(inst.id, "retry")
    assert again.leaf_states == ("paid",) and again.context["outcome"] == "ok"
    assert len(set(gateway.keys)) == 2 and gateway.keys[0].startswith(f"{inst.id}:1:")


def test_spawned_children_and_done_spawn(
    sql_store: SqlStore, clock: ManualClock, charts: dict[str, Chart]
) -> None:
    engine = _engine(sql_store, clock, charts)
    parent = engine.start("test.parent", {"items": [{"number": "D1"}, {"number": "D2"}]}, key="P")
    d1, d2 = engine.children(parent.id)
    assert (d1.key, d2.key) == ("D1", "D2") and d1.parent == parent.id
    assert d1.record.spawn == d2.record.spawn and d1.record.spawn.startswith("items@")
    engine.send(d1.id, "ship")
    engine.send(d2.id, "ship")
    end = engine.get(parent.id)
    assert end.leaf_states == ("complete",) and end.context["shipped"] == 2
    done = [r for r in engine.history(parent.id) if r.event == "done.spawn.items"]
    assert len(done) == 1 and done[0].data == {"count": 2}
    page = sql_store.list_instances("test.child", tag=d1.record.spawn)
    assert [i.key for i in page.items] == ["D1", "D2"]


def test_related_instances_and_notes(
    sql_store: SqlStore, clock: ManualClock, charts: dict[str, Chart]
) -> None:
    engine = _engine(sql_store, clock, charts)
    a = engine.start("test.related", {"other": "B"}, key="A")
    b = engine.start("test.related", {"other": "A"}, key="B")
    engine.send(a.id, "poke")
    assert engine.get(b.id).context["pings"] == 1
    engine.note(b.id, "called the customer", actor="bo")
    last = engine.history(b.id)[-1]
    assert (last.kind, last.note, last.actor) == ("note", "called the customer", "bo")
    assert engine.get(b.id).row_version == 3


def test_a_failed_transport_leaves_the_item_pending_for_retry(
    sql_store: SqlStore, clock: ManualClock, charts: dict[str, Chart]
) -> None:
    class Flaky(MemoryTransport):
        fail = True

        def send(self, message: Any, *, idempotency_key: str) -> None:
            if self.fail:
                raise OSError("smtp down")
            super().send(message, idempotency_key=idempotency_key)

    from engine import EffectFailed

    mail = Flaky()
    engine = _engine(sql_store, clock, charts, transports={"email": mail})
    order = engine.start("test.order", ORDER)
    with pytest.raises(EffectFailed):
        engine.send(order.id, "pay")
    (item,) = sql_store.pending_outbox()
    assert item.attempts == 1 and "smtp down" in (item.error or "")
    assert engine.get(order.id).leaf_states == ("paid",)  # the step stays committed
    mail.fail = False
    assert engine.retry_effects() == 1
    assert sql_store.pending_outbox() == () and len(mail.sent) == 1


def test_a_second_store_on_the_same_database_starts_instances_too(
    sql_store: SqlStore, clock: ManualClock, charts: dict[str, Chart]
) -> None:
    """The chart version row exists already: the second store's first create must not trip."""
    first = _engine(sql_store, clock, charts).start("test.order", ORDER)
    other = SqlStore(sql_store._db.engine.url)
    try:
        second = _engine(other, clock, charts).start("test.order", ORDER)
        assert other.load(second.id).row_version == 1
        assert sql_store.load(second.id).snapshot == second.snapshot
        assert sql_store.count_by_state("test.order") == {"pending": 2}
        assert first.id != second.id
    finally:
        other.close()


@pytest.mark.parametrize("cache_size", [0, 2])
def test_a_small_or_no_record_cache_reads_the_same(
    db_url: str, clock: ManualClock, charts: dict[str, Chart], cache_size: int
) -> None:
    with SqlStore(db_url, cache_size=cache_size) as store:
        engine = _engine(store, clock, charts)
        ids = [engine.start("test.order", ORDER, key=f"K{i}").id for i in range(5)]
        for iid in ids:
            engine.send(iid, "recalc")
        assert len(store._rows.cache) <= cache_size
        assert [engine.get(i).row_version for i in ids] == [2] * 5
        assert [engine.find("test.order", f"K{i}").id for i in range(5)] == ids  # type: ignore[union-attr]
