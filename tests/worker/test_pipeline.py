"""The timer pipeline on PostgreSQL: one batch saved on a second thread while the next is
planned, each timer still fired exactly once.

* A batch goes in flight and is followed up by the next call (its effects performed then,
  not before), and an empty call settles it.
* A second timer of an instance whose save is in flight is planned on the row before that
  save; it loses the race, fires on its own reloaded, and nothing is applied twice.
* A worker with small batches (many passes, a batch always in flight) fires every timer once,
  and a worker told to stop with a batch in flight follows it up before it exits.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from engine import Engine, ManualClock, MemoryTransport, load_text
from engine.store.sql import SqlStore
from engine.worker import Worker, WorkerSettings
from engine.worker.pipeline import TimerPipeline
from tests import databases

CHART = """
id: test.pipeline
version: 1
context:
  email: {type: string, default: "ann@example.com"}
states:
  waiting:
    type: parallel
    states:
      left:
        initial: l1
        states:
          l1:
            after:
              - delay: 1h
                target: l2
                actions:
                  - notify: {template: reminder, channel: email, to: [email]}
          l2: {}
      right:
        initial: r1
        states:
          r1:
            after:
              - delay: 1h
                target: r2
          r2: {}
templates:
  reminder: {subject: "Reminder {{ instance.key }}", body: "Please act."}
"""
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DUE = START + timedelta(hours=1)
LEASE = timedelta(minutes=5)


@pytest.fixture(scope="module")
def pg_module() -> Iterator[str]:
    yield from databases.fresh_pg_database("statewise_pipeline")


@pytest.fixture
def url(pg_module: str) -> str:
    databases.empty_pg(pg_module)
    return pg_module


def _engine(store: SqlStore, mail: MemoryTransport, now: datetime = START) -> Engine:
    return Engine(store, ManualClock(now), transports={"email": mail}, charts=[load_text(CHART)])


def _check_fired_once(store: SqlStore, ids: list[str]) -> None:
    for iid in ids:
        record = store.load(iid)
        assert record.snapshot.configuration >= {"waiting.left.l2", "waiting.right.r2"}, iid
        events = [h.event for h in store.history(iid) if h.kind != "start"]
        assert sorted(events) == ["after.waiting.left.l1.0", "after.waiting.right.r1.0"], (
            iid
        )  # each timer once
        assert record.row_version == 3, iid  # two steps, no stray save
        assert store.timers(iid) == {}, iid


def test_a_batch_in_flight_is_followed_up_by_the_next_call(url: str) -> None:
    mail = MemoryTransport()
    with SqlStore(url) as store:
        engine = _engine(store, mail)
        ids = [engine.start("test.pipeline", key=f"K{i}").id for i in range(5)]
        engine.clock.set(DUE)  # type: ignore[attr-defined]
        pipeline = TimerPipeline()
        try:
            first = pipeline.fire(
                engine, store.claim_due_timers(DUE, 5, "w", LEASE), inline=lambda _d: True
            )
            assert (first.fired, pipeline.busy) == (0, True)  # saved or saving, not followed up
            second = pipeline.fire(
                engine, store.claim_due_timers(DUE, 5, "w", LEASE), inline=lambda _d: True
            )
            assert second.fired == 5  # the first batch, followed up now
            assert pipeline.busy
            last = pipeline.fire(engine, (), inline=lambda _d: True)  # nothing new: settle
            assert (last.fired, pipeline.busy) == (5, False)
        finally:
            pipeline.close()
        assert len(mail.sent) == 5  # the left timers' e-mails, once each
        _check_fired_once(store, ids)


def test_a_second_timer_planned_on_the_row_before_its_save_fires_once(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.service import batch as batch_module
    from engine.worker import pipeline as pipeline_module

    planned = threading.Event()  # the second batch is planned: the first may be saved now
    plans = 0

    def plan_then_signal(engine: Engine, dues: object) -> object:
        nonlocal plans
        found = batch_module.plan_timers(engine, dues)  # type: ignore[arg-type]
        plans += 1
        if plans == 2:
            planned.set()
        return found

    def save_when_planned(engine: Engine, batch: object) -> object:
        assert planned.wait(30)
        return batch_module.save_timers(engine, batch)  # type: ignore[arg-type]

    alone: list[str] = []
    fire_timer = batch_module.fire_timer

    def fire_alone(engine: Engine, due: object, **kw: object) -> bool:
        alone.append(due.timer_id)  # type: ignore[attr-defined]
        return fire_timer(engine, due, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline_module, "plan_timers", plan_then_signal)
    monkeypatch.setattr(pipeline_module, "save_timers", save_when_planned)
    monkeypatch.setattr(batch_module, "fire_timer", fire_alone)
    mail = MemoryTransport()
    with SqlStore(url) as store:
        engine = _engine(store, mail)
        iid = engine.start("test.pipeline", key="K").id
        engine.clock.set(DUE)  # type: ignore[attr-defined]
        pipeline = TimerPipeline()
        try:
            # one timer per batch: the second is claimed and planned with the first unsaved
            for _ in range(2):
                dues = store.claim_due_timers(DUE, 1, "w", LEASE)
                pipeline.fire(engine, dues, inline=lambda _d: True)
            pipeline.fire(engine, (), inline=lambda _d: True)
        finally:
            pipeline.close()
        assert len(alone) == 1  # the second lost the race, fired on its own, reloaded
        _check_fired_once(store, [iid])
        assert len(mail.sent) == 1


def _run_worker(url: str, batch: int, stop_after_passes: int | None = None) -> Worker:
    mail = MemoryTransport()
    settings = WorkerSettings(url, "w", batch=batch, poll=0.01, once=stop_after_passes is None,
                              purge_after=None)  # fmt: skip

    def make(store: SqlStore) -> Engine:
        return _engine(store, mail, DUE)

    worker = Worker(settings, make)
    if stop_after_passes is not None:
        passes = 0
        run_pass = worker.run_pass

        def counting(engine: Engine) -> bool:
            nonlocal passes
            busy = run_pass(engine)
            passes += 1
            if passes == stop_after_passes:
                worker.stop()  # as SIGTERM does, with this pass's batch in flight
            return busy

        worker.run_pass = counting  # type: ignore[method-assign]
    thread = threading.Thread(target=worker.run)
    thread.start()
    thread.join(120)
    assert not thread.is_alive()
    return worker


def test_a_worker_with_small_batches_fires_every_timer_once(url: str) -> None:
    with SqlStore(url) as store:
        ids = [_engine(store, MemoryTransport()).start("test.pipeline", key=f"K{i}").id
               for i in range(60)]  # fmt: skip
    worker = _run_worker(url, batch=7)
    assert worker.stats.fired == 120 and worker.stats.timer_failures == 0
    with SqlStore(url) as store:
        _check_fired_once(store, ids)


def test_a_stopping_worker_follows_up_the_batch_in_flight(url: str) -> None:
    with SqlStore(url) as store:
        [_engine(store, MemoryTransport()).start("test.pipeline", key=f"K{i}") for i in range(30)]
    worker = _run_worker(url, batch=10, stop_after_passes=2)
    # two passes claimed 20 timers; the second's batch was in flight when the worker stopped
    assert worker.stats.fired == 20
    with SqlStore(url) as store:
        fired = [h for iid in _ids(store) for h in store.history(iid) if h.kind != "start"]
        assert len(fired) == 20
        assert store.pending_outbox() == ()  # the followed-up batch's e-mails were sent


def _ids(store: SqlStore) -> list[str]:
    return [row[0] for row in store._db.all("SELECT id FROM statewise_instances", ())]
