"""Operator queries and worker claims: listings with time in state, counts, cursors, dead
letters, leases on due timers and outbox items, and chart versions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.runtime import Snapshot
from engine.store import Changes, TimerChange
from engine.store.sql import ChartVersionConflict, SqlStore
from tests.store_sql.helpers import T0, notify, record

HOUR = timedelta(hours=1)


def _move(store: SqlStore, iid: str, version: int, state: str, hours: int) -> None:
    store.save(
        iid,
        Snapshot(frozenset({state}), {}),
        status="active",
        expected_version=version,
        time=T0 + hours * HOUR,
        changes=Changes(),
    )


def test_listing_a_state_longest_waiting_first_with_time_in_state(sql_store: SqlStore) -> None:
    a, b, c = (sql_store.create(record(sql_store, key=k), Changes()) for k in "abc")
    _move(sql_store, b.id, 1, "packing", 1)
    _move(sql_store, a.id, 1, "packing", 2)
    _move(sql_store, c.id, 1, "packing", 3)
    _move(sql_store, a.id, 2, "packing", 4)  # still packing: the clock of its state keeps on
    page = sql_store.list_instances("c", state="packing", now=T0 + 5 * HOUR)
    assert [i.key for i in page.items] == ["b", "a", "c"] and page.next is None
    assert [i.time_in_state for i in page.items] == [4 * HOUR, 3 * HOUR, 2 * HOUR]
    assert page.items[1].updated == T0 + 4 * HOUR
    assert sql_store.count_by_state("c") == {"packing": 3}
    assert sql_store.list_instances("c", state="a").items == ()


def test_pages_follow_the_cursor(sql_store: SqlStore) -> None:
    made = [sql_store.create(record(sql_store, key=f"k{i}"), Changes()) for i in range(7)]
    keys: list[str | None] = []
    after = None
    while True:
        page = sql_store.list_instances("c", after=after, limit=3)
        keys += [i.key for i in page.items]
        if page.next is None:
            break
        after = page.next
    assert keys == [m.key for m in made]  # creation order
    by_state: list[str | None] = []
    after = None
    for _ in range(3):
        page = sql_store.list_instances("c", state="a", after=after, limit=3)
        by_state += [i.key for i in page.items]
        after = page.next
    assert sorted(k or "" for k in by_state) == sorted(m.key or "" for m in made)
    with pytest.raises(ValueError, match="cursor"):
        sql_store.list_instances("c", state="a", after=sql_store.list_instances("c", limit=1).next)
    with pytest.raises(ValueError, match="cursor"):
        sql_store.list_instances("c", after="garbage!")


def test_filters_by_tag_and_status(sql_store: SqlStore) -> None:
    parent = sql_store.create(record(sql_store), Changes())
    kids = [
        sql_store.create(record(sql_store, parent=parent.id, spawn="items@2"), Changes())
        for _ in range(2)
    ]
    sql_store.create(record(sql_store, parent=parent.id, spawn="other@3"), Changes())
    sql_store.save(
        kids[0].id,
        Snapshot(frozenset({"end"}), {}, done=True),
        status="done",
        expected_version=1,
        time=T0,
        changes=Changes(),
    )
    tagged = sql_store.list_instances("c", tag="items@2")
    assert [i.id for i in tagged.items] == [k.id for k in kids]
    assert [i.id for i in sql_store.list_instances("c", tag="items@2", status="done").items] == [
        kids[0].id
    ]
    assert sql_store.count_by_state("c", status="done") == {"end": 1}
    assert sql_store.count_by_state("c") == {"a": 3, "end": 1}


def test_parallel_states_are_listed_by_their_leaves(sql_store: SqlStore) -> None:
    snap = Snapshot(frozenset({"p", "p.r1", "p.r1.x", "p.r2", "p.r2.u"}), {})
    sql_store.create(record(sql_store, snapshot=snap), Changes())
    assert sql_store.count_by_state("c") == {"p.r1.x,p.r2.u": 1}


def test_outbox_failures_retries_and_dead_letters(sql_store: SqlStore) -> None:
    rec = sql_store.create(record(sql_store), Changes())
    item = notify(rec.id, 2)
    sql_store.save(
        rec.id, rec.snapshot, status="active", expected_version=1, time=T0,
        changes=Changes(outbox=(item,)),
    )  # fmt: skip
    now = T0 + timedelta(minutes=1)
    (claimed,) = sql_store.claim_outbox(now, 10, "w1", timedelta(minutes=5))
    assert claimed == item
    assert sql_store.claim_outbox(now, 10, "w2", timedelta(minutes=5)) == ()  # leased
    sql_store.outbox_failed(item.id, "smtp down", next_attempt_at=now + HOUR)
    assert sql_store.claim_outbox(now + timedelta(minutes=10), 10, "w2", HOUR) == ()
    (again,) = sql_store.claim_outbox(now + 2 * HOUR, 10, "w2", HOUR)
    assert (again.attempts, again.error) == (1, "smtp down")
    sql_store.outbox_failed(item.id, "bounced for good", dead=True)
    assert sql_store.pending_outbox() == ()
    assert sql_store.claim_outbox(now + 5 * HOUR, 10, "w3", HOUR) == ()
    (dead,) = sql_store.dead_letters()
    assert (dead.id, dead.attempts, dead.error) == (item.id, 2, "bounced for good")
    assert sql_store.requeue(item.id) and not sql_store.requeue(item.id)
    assert sql_store.dead_letters() == () and len(sql_store.pending_outbox()) == 1
    sql_store.outbox_done(item.id)
    assert sql_store.claim_outbox(now + 9 * HOUR, 10, "w4", HOUR) == ()


def test_due_timers_are_claimed_under_a_lease(sql_store: SqlStore) -> None:
    recs = [
        sql_store.create(
            record(sql_store), Changes(timers=(TimerChange("t", T0 + i * timedelta(minutes=1)),))
        )
        for i in range(4)
    ]
    now = T0 + timedelta(minutes=10)
    first = sql_store.claim_due_timers(now, 3, "w1", timedelta(minutes=5))
    assert [d.instance_id for d in first] == [r.id for r in recs[:3]]
    second = sql_store.claim_due_timers(now, 3, "w2", timedelta(minutes=5))
    assert [d.instance_id for d in second] == [recs[3].id]
    assert sql_store.due(now) == ()  # leased timers are not due for others
    assert len(sql_store.due(now + timedelta(minutes=6))) == 4  # the leases ran out
    sql_store.save(
        recs[0].id, recs[0].snapshot, status="active", expected_version=1, time=now,
        changes=Changes(timers=(TimerChange("t", now + HOUR),)),
    )  # fmt: skip
    assert [d.instance_id for d in sql_store.due(now + timedelta(minutes=30))][:1] != [recs[0].id]
    assert recs[0].id in [d.instance_id for d in sql_store.due(now + 2 * HOUR)]


def test_chart_versions_are_immutable_once_used(sql_store: SqlStore) -> None:
    sql_store.register_chart("c", 1, "hash-1", "id: c\nversion: 1\n")
    sql_store.register_chart("c", 1, "hash-1")  # the same again: fine
    sql_store.register_chart("c", 1, "hash-2")  # no instance yet: may change
    sql_store.create(record(sql_store), Changes())
    with pytest.raises(ChartVersionConflict, match="new version"):
        sql_store.register_chart("c", 1, "hash-3")
    sql_store.register_chart("c", 2, "hash-3")
    sql_store.create(record(sql_store, chart="d"), Changes())  # an unseen version is recorded
    sql_store.register_chart("d", 1, "hash-d")  # and filled in later
