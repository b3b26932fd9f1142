"""Threads sending events to the same instances: every accepted event is applied exactly once,
the losers get ConcurrentUpdate, and the audit trail holds one line per accepted event.

Each thread runs its own Engine (an Engine is not thread-safe) on one shared SqlStore (which
is: one connection per thread). A loser retries by sending the event again, which reloads the
instance; that is what an application does with ConcurrentUpdate.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest

from engine import Engine, load_text
from engine.store import ConcurrentUpdate
from engine.store.sql import SqlStore

COUNTER = load_text(
    """
id: test.counter
version: 1
context:
  n: {type: integer, default: 0}
states:
  counting:
    on:
      inc:
        actions:
          - assign: {n: n + 1}
"""
)
THREADS, INSTANCES, SENDS = 8, 3, 25


def _hammer(store: SqlStore, ids: list[str]) -> tuple[Counter[str], int, list[BaseException]]:
    accepted: Counter[str] = Counter()
    losers = 0
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def work(worker: int) -> None:
        nonlocal losers
        engine = Engine(store, charts=[COUNTER])
        start.wait()
        try:
            for k in range(SENDS):
                iid = ids[(worker + k) % len(ids)]
                try:
                    engine.send(iid, "inc", actor=f"w{worker}")
                except ConcurrentUpdate:
                    with lock:
                        losers += 1
                else:
                    with lock:
                        accepted[iid] += 1
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return accepted, losers, errors


def _check(store: SqlStore, ids: list[str], accepted: Counter[str], losers: int) -> None:
    assert sum(accepted.values()) + losers == THREADS * SENDS
    for iid in ids:
        record = store.load(iid)
        assert record.snapshot.context["n"] == accepted[iid]  # each applied exactly once
        assert record.row_version == 1 + accepted[iid]
        events = [r for r in store.history(iid) if r.kind == "event"]
        assert len(events) == accepted[iid]
        assert [r.seq for r in events] == list(range(2, 2 + accepted[iid]))


def test_threads_on_postgresql(pg_database: str) -> None:
    from tests.store_sql.conftest import empty_pg

    empty_pg(pg_database)
    store = SqlStore(pg_database, cache_size=0)
    try:
        engine = Engine(store, charts=[COUNTER])
        ids = [engine.start(COUNTER).id for _ in range(INSTANCES)]
        accepted, losers, errors = _hammer(store, ids)
        assert errors == []
        _check(store, ids, accepted, losers)
        assert losers > 0, "no conflict happened: the test did not exercise concurrency"
    finally:
        store.close()


@pytest.mark.parametrize("cache_size", [0, 10_000])
def test_threads_on_sqlite(tmp_path: Path, sqlite_template: Path, cache_size: int) -> None:
    from tests.store_sql.conftest import sqlite_url

    store = SqlStore(sqlite_url(sqlite_template, tmp_path), cache_size=cache_size)
    try:
        engine = Engine(store, charts=[COUNTER])
        ids = [engine.start(COUNTER).id for _ in range(INSTANCES)]
        accepted, losers, errors = _hammer(store, ids)
        assert errors == []
        _check(store, ids, accepted, losers)
    finally:
        store.close()


def test_two_processes_worth_of_stores_on_one_file(tmp_path: Path, sqlite_template: Path) -> None:
    """Two SqlStore objects on one file (as two processes would be): caches never go stale."""
    from tests.store_sql.conftest import sqlite_url

    url = sqlite_url(sqlite_template, tmp_path)
    with SqlStore(url) as one, SqlStore(url) as two:
        a, b = Engine(one, charts=[COUNTER]), Engine(two, charts=[COUNTER])
        iid = a.start(COUNTER).id
        for _ in range(3):
            a.send(iid, "inc")
            b.send(iid, "inc")
        assert a.get(iid).context["n"] == b.get(iid).context["n"] == 6


def test_a_thread_that_ends_gives_its_connection_back(sql_store: SqlStore) -> None:
    engine = Engine(sql_store, charts=[COUNTER])
    iid = engine.start(COUNTER).id
    assert sql_store._db.open_connections() == 1

    def work() -> None:
        Engine(sql_store, charts=[COUNTER]).send(iid, "inc")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
        t.join()
    assert sql_store._db.open_connections() == 1  # only this thread's is left
    assert engine.get(iid).context["n"] == 4
    sql_store.close()
    assert sql_store._db.open_connections() == 0
    assert engine.get(iid).context["n"] == 4  # a closed store opens a new connection on use


def test_an_unreachable_server_is_a_database_error() -> None:
    from engine.store.sql import DatabaseError

    with pytest.raises(DatabaseError, match="cannot open"):
        SqlStore("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
