"""Timers fired and events sent in batches, on SQLite and PostgreSQL: one failing item
neither loses nor blocks the others.

In one batch: a step whose action fails (nothing saved, the timer stays due), a step whose
rows break a constraint (rolled back alone), a step that lost an optimistic-lock race (done
again on the fresh instance), and ordinary steps, which are saved, their effects performed
once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from engine import Engine, ManualClock, MemoryTransport, load_text
from engine.service.batch import fire_timers, send_events
from engine.store.records import SaveUnit
from engine.store.sql import SqlStore
from tests import databases

CHART = """
id: test.batch
version: 1
context:
  email: {type: string, default: "ann@example.com"}
  divisor: {type: integer, default: 1}
  ratio: {type: decimal, optional: true}
  n: {type: integer, default: 0}
states:
  waiting:
    on:
      approve: {target: approved, guard: n >= 1}
      bump: {actions: [{assign: {n: n + 1}}]}
    after:
      - delay: 1h
        target: reminded
        actions:
          - assign: {ratio: 10 / divisor}
          - notify: {template: reminder, channel: email, to: [email]}
  reminded:
    on: {approve: approved}
  approved: {type: final}
templates:
  reminder: {subject: "Reminder {{ instance.key }}", body: "Please act."}
"""
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DUE = START + timedelta(hours=1)


@pytest.fixture(scope="module")
def pg_module() -> Iterator[str]:
    yield from databases.fresh_pg_database("statewise_batch")


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return databases.sqlite_copy(databases.sqlite_template(tmp_path), tmp_path)
    found: str = request.getfixturevalue("pg_module")
    databases.empty_pg(found)
    return found


class RacingStore(SqlStore):
    """A store on which ``race(engine)`` runs just before the next batch is saved (another
    writer that gets there first)."""

    race: Any = None

    def save_many(self, units: Sequence[SaveUnit]) -> list[Any]:
        race, self.race = self.race, None
        if race is not None:
            race()
        return super().save_many(units)


@pytest.fixture
def setup(url: str) -> Iterator[tuple[Engine, RacingStore, MemoryTransport]]:
    store = RacingStore(url)
    mail = MemoryTransport()
    engine = Engine(store, ManualClock(START), transports={"email": mail}, charts=[load_text(CHART)])
    yield engine, store, mail
    store.close()


def _sql(url: str, statement: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def test_a_failing_timer_neither_loses_nor_blocks_the_others(
    setup: tuple[Engine, RacingStore, MemoryTransport], url: str
) -> None:
    engine, store, mail = setup
    ids = [engine.start("test.batch", key=f"K{i}").id for i in range(6)]
    broken = engine.start("test.batch", {"divisor": 0}, key="ZERO").id  # its action fails
    clash = ids[1]  # its outbox item's id is taken: its rows break a constraint
    for position in range(4):  # whichever position the step's notification takes
        _sql(url, "INSERT INTO statewise_outbox (id, instance_id, seq, position, kind, payload, "
                  f"status, attempts, next_attempt_at, created) VALUES ('{clash}:2:{position}', "
                  f"'{clash}', 2, {position}, 'NotifyRequested', '{{}}', 'done', 1, "
                  "'2026-01-05 09:00:00', '2026-01-05 09:00:00')")  # fmt: skip
    raced = ids[2]  # someone sends it an event between the batch's load and its save
    with SqlStore(url) as other_store:
        other = Engine(other_store, ManualClock(START), transports={"email": MemoryTransport()},
                       charts=[load_text(CHART)])  # fmt: skip
        store.race = lambda: other.send(raced, "bump")
        dues = store.claim_due_timers(DUE, 100, "w", timedelta(minutes=5))
        assert len(dues) == 7
        count = fire_timers(engine, dues)
    assert (count.fired, count.skipped, count.failed) == (5, 0, 2)
    for iid in ids:
        if iid == clash:
            continue
        record = store.load(iid)
        assert record.snapshot.configuration == {"reminded"}, iid
        steps = [(h.kind, h.event) for h in store.history(iid)]
        bumped = [("event", "bump")] if iid == raced else []
        assert steps == [("start", None), *bumped, ("event", "after.waiting.0")]
    for iid in (broken, clash):
        assert store.load(iid).snapshot.configuration == {"waiting"}
        assert [h.kind for h in store.history(iid)] == ["start"]  # nothing saved
        assert store.timers(iid) == {"waiting#0": DUE}  # still due: tried again later
    assert sorted(m.subject for m in mail.sent) == sorted(f"Reminder K{i}" for i in (0, 2, 3, 4, 5))
    assert store.pending_outbox() == ()


def test_one_event_to_many_instances_each_with_its_own_result(
    setup: tuple[Engine, RacingStore, MemoryTransport], url: str
) -> None:
    engine, store, _mail = setup
    ready = [engine.start("test.batch", {"n": 1}, key=f"R{i}").id for i in range(4)]
    not_ready = engine.start("test.batch", key="N").id  # guard n >= 1 is false
    raced = ready[3]
    with SqlStore(url) as other_store:
        other = Engine(other_store, ManualClock(START), transports={"email": MemoryTransport()},
                       charts=[load_text(CHART)])  # fmt: skip
        store.race = lambda: other.send(raced, "bump")
        results = send_events(engine, [ready[0], not_ready, "missing", ready[1], raced],
                              "approve", actor="ops")  # fmt: skip
    assert [r.status for r in results] == ["accepted", "refused", "failed", "accepted", "accepted"]
    assert "n >= 1" in results[1].reasons[0] and "missing" in results[2].reasons[0]
    assert results[0].before == ("waiting",) and results[0].after == ("approved",)
    for iid in (ready[0], ready[1], raced):
        assert store.load(iid).status == "done"
        assert store.history(iid)[-1].actor == "ops"
    assert [h.event for h in store.history(raced)] == [None, "bump", "approve"]
    assert store.load(not_ready).row_version == 1


def test_a_batch_of_timers_is_one_transaction_on_postgres(pg_module: str) -> None:
    databases.empty_pg(pg_module)
    mail = MemoryTransport()
    with SqlStore(pg_module) as store:
        engine = Engine(store, ManualClock(START), transports={"email": mail},
                        charts=[load_text(CHART)])  # fmt: skip
        ids = [engine.start("test.batch", key=f"K{i}").id for i in range(30)]
        count = fire_timers(engine, store.claim_due_timers(DUE, 100, "w", timedelta(minutes=5)))
        assert count.fired == 30 and len(mail.sent) == 30
        assert {store.load(i).row_version for i in ids} == {2}
    db = create_engine(pg_module)
    try:
        with db.connect() as conn:
            rows = conn.execute(text("SELECT DISTINCT xmin::text FROM statewise_instances "
                                     "WHERE row_version = 2")).all()  # fmt: skip
    finally:
        db.dispose()
    assert len(rows) == 1  # 30 steps, one commit
