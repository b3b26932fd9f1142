"""Idempotent requests (engine.ops.idempotency) on SQLite and PostgreSQL: applied once, the
first answer given back, the key marked in the step's own transaction, a stale claim taken
over, a failed claim released, a reused key refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from engine import Chart
from engine.ops.errors import OpsError
from engine.ops.idempotency import LEASE, Answer, once, request_hash
from engine.ops.setup import deferred_engine
from engine.store.sql import SqlStore, WebStore

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.fixture
def store(db_url: str) -> Iterator[SqlStore]:
    s = SqlStore(db_url)
    yield s
    s.close()


def test_applied_once_and_the_first_answer_repeated(store: SqlStore) -> None:
    web = WebStore(store)
    calls: list[int] = []

    def work() -> Answer:
        calls.append(1)
        return Answer(200, {"n": len(calls)})

    first = once(store, web, "t", "k1", request_hash("a"), work, lambda: T0)
    again = once(store, web, "t", "k1", request_hash("a"), work, lambda: T0)
    assert first == Answer(200, {"n": 1}) and again == Answer(200, {"n": 1}, replayed=True)
    assert calls == [1]
    with pytest.raises(OpsError, match="used for another request") as reused:
        once(store, web, "t", "k1", request_hash("b"), work, lambda: T0)
    assert reused.value.code == "idempotency_key_reused"
    assert once(store, web, "other scope", "k1", request_hash("b"), work, lambda: T0).body == {
        "n": 2
    }
    with pytest.raises(OpsError, match="printable"):
        once(store, web, "t", "", request_hash("a"), work, lambda: T0)


def test_a_stale_claim_is_taken_over_and_a_fresh_one_waits(store: SqlStore) -> None:
    web = WebStore(store)
    assert web.claim_key("t", "k3", "h", T0)  # a process that stopped before saving anything
    with pytest.raises(OpsError, match="being processed") as busy:
        once(store, web, "t", "k3", "h", lambda: Answer(200, {}), lambda: T0 + LEASE / 2)
    assert busy.value.code == "idempotency_in_progress"
    later = T0 + LEASE + timedelta(seconds=1)
    got = once(store, web, "t", "k3", "h", lambda: Answer(201, {"done": True}), lambda: later)
    assert got == Answer(201, {"done": True})


def test_a_failure_before_anything_is_saved_releases_the_key(store: SqlStore) -> None:
    web = WebStore(store)

    def broken() -> Answer:
        raise RuntimeError("the handler broke")

    with pytest.raises(RuntimeError):
        once(store, web, "t", "k4", "h", broken, lambda: T0)
    assert web.key("t", "k4") is None  # a retry does the work
    assert once(store, web, "t", "k4", "h", lambda: Answer(200, {"ok": 1}), lambda: T0).body == {
        "ok": 1
    }


def test_a_rider_joins_only_a_committed_save(store: SqlStore, charts: dict[str, Chart]) -> None:
    from engine.store import ConcurrentUpdate
    from engine.store.records import NO_CHANGES

    web = WebStore(store)
    engine = deferred_engine(store, list(charts.values()))
    iid = engine.start("ops.job", {}, key="J1").id
    web.claim_key("t", "k5", "h", T0)
    record = store.load(iid)
    with store.riding_along(web.applied_statement("t", "k5", T0)):
        with pytest.raises(ConcurrentUpdate):  # a stale version: nothing saved, rider waits
            store.save(iid, record.snapshot, status=record.status,
                       expected_version=record.row_version - 1, time=T0,
                       changes=NO_CHANGES)  # fmt: skip
        assert web.key("t", "k5").status == "claimed"  # type: ignore[union-attr]
        store.save(iid, record.snapshot, status=record.status,
                   expected_version=record.row_version, time=T0,
                   changes=NO_CHANGES)  # fmt: skip
    assert web.key("t", "k5").status == "applied"  # type: ignore[union-attr]
