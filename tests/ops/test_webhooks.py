"""Webhooks (engine.ops.webhooks) on SQLite and PostgreSQL: one read and one commit; the key
saved with its answer in the step's own transaction; a request that loses the race for its
key is rolled back whole and answers what the winner stored; refusals are answers too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from engine import load_text
from engine.ops.auth import Principal
from engine.ops.errors import OpsError
from engine.ops.idempotency import Answer
from engine.ops.sending import SendResult
from engine.ops.setup import deferred_engine
from engine.ops.webhooks import send_once
from engine.service import Engine
from engine.store.sql import SqlStore, WebStore

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
CHART = """
id: hook.counter
version: 1
events:
  ping: {source: integration}
  stop: {source: integration}
context:
  pings: {type: integer, default: 0}
states:
  open:
    on:
      ping:
        actions:
          - assign: {pings: pings + 1}
      stop: {target: closed, guard: pings > 0}
  closed: {type: final}
"""
FEED = Principal("feed", "token", charts=frozenset({"hook.counter"}), ident="token:feed")


@pytest.fixture
def store(db_url: str) -> Iterator[SqlStore]:
    s = SqlStore(db_url)
    yield s
    s.close()


def _answer(result: SendResult) -> Answer:
    body = {"status": result.status, "to": list(result.to_states), "reasons": list(result.reasons)}
    return Answer(200 if result.accepted else 503 if result.transient else 422, body)


def _send(engine: Engine, web: WebStore, iid: str, event: str, key: str, **kw: object) -> Answer:
    return send_once(engine, web, FEED, iid, event, None, key=key, fingerprint=f"{iid}:{event}",
                     answer_of=kw.pop("answer_of", _answer), now=lambda: T0, **kw)  # type: ignore[arg-type]  # fmt: skip


def _pings(store: SqlStore, iid: str) -> tuple[int, int, int]:
    """(pings, row version, audit lines) of an instance, read from the database."""
    record = store.load(iid)
    return record.snapshot.context["pings"], record.row_version, len(store.history(iid))


def test_applied_once_with_its_answer_in_the_same_transaction(store: SqlStore) -> None:
    web = WebStore(store)
    engine = deferred_engine(store, [load_text(CHART)])
    iid = engine.start("hook.counter", {}, key="C1").id
    first = _send(engine, web, iid, "ping", "k1")
    assert first == Answer(200, {"status": "accepted", "to": ["open"], "reasons": []})
    found = web.key(FEED.ident, "k1")
    assert found is not None and found.status == "answered" and found.http_status == 200
    assert json.loads(found.answer or "") == first.body
    again = _send(engine, web, iid, "ping", "k1")
    assert again == Answer(200, first.body, replayed=True)
    assert _pings(store, iid)[0] == 1
    with pytest.raises(OpsError) as reused:  # the same key for another request
        _send(engine, web, iid, "stop", "k1")
    assert reused.value.code == "idempotency_key_reused"
    # a refusal is stored as the answer, and repeated: the guard holds later, not for k2
    fresh = engine.start("hook.counter", {}, key="C2").id
    refused = _send(engine, web, fresh, "stop", "k2")
    assert refused.status == 422 and refused.body["status"] == "refused"
    _send(engine, web, fresh, "ping", "k3")
    assert _send(engine, web, fresh, "stop", "k2") == Answer(422, refused.body, replayed=True)
    assert _pings(store, fresh)[0] == 1 and store.load(fresh).status == "active"


def test_the_loser_of_a_race_for_its_key_is_rolled_back_and_answers_the_first_answer(
    store: SqlStore,
) -> None:
    web = WebStore(store)
    engine = deferred_engine(store, [load_text(CHART)])
    iid = engine.start("hook.counter", {}, key="C1").id
    before = _pings(store, iid)
    winner = {"status": "accepted", "by": "the other process"}

    def meanwhile(result: SendResult) -> Answer:
        # another process commits the same key between our read and our commit
        assert web.add_answered_key(FEED.ident, "k9", f"{iid}:ping", 200, json.dumps(winner), T0)
        return _answer(result)

    got = _send(engine, web, iid, "ping", "k9", answer_of=meanwhile)
    assert got == Answer(200, winner, replayed=True)
    assert _pings(store, iid) == before  # our step was rolled back with our key


def test_a_failure_that_saved_nothing_is_not_stored(store: SqlStore) -> None:
    web = WebStore(store)
    engine = deferred_engine(store, [load_text(CHART)])
    iid = engine.start("hook.counter", {}, key="C1").id

    def moving(result: SendResult) -> Answer:  # the instance changes before every commit
        engine.send(iid, "ping")
        return _answer(result)

    got = _send(engine, web, iid, "ping", "k5", answer_of=moving)
    assert got.status == 503 and got.body["status"] == "failed"
    assert web.key(FEED.ident, "k5") is None  # a retry does the work
    pings = _pings(store, iid)[0]
    assert _send(engine, web, iid, "ping", "k5").status == 200
    assert _pings(store, iid)[0] == pings + 1


def test_unknown_and_unseen_instances_are_not_found_and_store_nothing(store: SqlStore) -> None:
    web = WebStore(store)
    engine = deferred_engine(store, [load_text(CHART)])
    with pytest.raises(OpsError) as missing:
        _send(engine, web, "nope", "ping", "k6")
    assert missing.value.kind == "not_found"
    iid = engine.start("hook.counter", {}, key="C1").id
    other = Principal("crm", "token", charts=frozenset({"crm.lead"}), ident="token:crm")
    with pytest.raises(OpsError) as unseen:
        send_once(engine, web, other, iid, "ping", None, key="k7", fingerprint="f",
                  answer_of=_answer)  # fmt: skip
    assert unseen.value.kind == "not_found"
    assert web.key(FEED.ident, "k6") is None and web.key(other.ident, "k7") is None
    by_key = send_once(engine, web, FEED, ("hook.counter", "C1"), "ping", None, key="k8",
                       fingerprint="f", answer_of=_answer)  # fmt: skip
    assert by_key.status == 200 and _pings(store, iid)[0] == 1


NOTED = """
id: hook.noted
version: 1
context:
  told: {type: string, optional: true}
states:
  open:
    on:
      confirm:
        target: confirmed
        manual: {label: Confirm, roles: [ops]}
        actions:
          - assign: {told: _event.client_note}
  confirmed: {type: final}
"""


def test_the_client_note_reaches_the_step_as_it_does_a_send(store: SqlStore) -> None:
    """`_event.client_note` in the step's actions is the note the request gave (the audit
    line keeps it too)."""
    web = WebStore(store)
    engine = deferred_engine(store, [load_text(NOTED)])
    iid = engine.start("hook.noted", {}).id
    ops = Principal("desk", "token", roles=frozenset({"ops"}), ident="token:desk")
    answer = send_once(engine, web, ops, iid, "confirm", None, key="n1", fingerprint="n1",
                       answer_of=_answer, client_note="See you soon", now=lambda: T0)  # fmt: skip
    assert answer.status == 200
    assert store.load(iid).snapshot.context["told"] == "See you soon"
    assert store.history(iid)[-1].client_note == "See you soon"
