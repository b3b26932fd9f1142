"""Requests with an ``Idempotency-Key``: applied once, the first answer given again.

How a key goes (table ``statewise_web_idempotency``):

1. **claimed**: the first request inserts the key (with a hash of what it asks). Of
   several processes receiving the same key at once, exactly one insert succeeds.
2. **applied**: the key is marked in the same database transaction that saves the
   event's step (``SqlStore.riding_along``), so "the step is saved" and "the key is
   applied" are one fact: never one without the other.
3. **answered**: the answer (status and body) is stored; every repeat gets it back.

When the work fails before its step is saved (an exception, or an answer of status 500 or
more such as "the database is away"), the claim is released and a retry does the work; when
it fails after, the failure is the answer.

A repeat that finds the key claimed but not applied while its claimant is still working
is told to retry shortly (``conflict``); one that finds it so for longer than
:data:`LEASE` takes the claim over (the first claimant stopped before saving anything) and
does the work. A refused or ignored event saves no step: its answer is stored as it is,
and repeats get the same refusal. A repeat asking something else under the same key is a
``usage`` error. Keys are kept :data:`KEEP` and then forgotten.

An event sent to one instance (a webhook) takes a shorter path, :mod:`engine.ops.webhooks`:
one read (the instance with its key) and one commit (the step with the key and its answer).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from engine.ops.errors import OpsError

if TYPE_CHECKING:
    from engine.store.sql import IdempotencyRow, SqlStore, WebStore

__all__ = [
    "KEEP",
    "LEASE",
    "Answer",
    "check_key",
    "first_answer",
    "in_progress",
    "once",
    "request_hash",
]

#: how long a claim may stay unapplied before another request takes it over
LEASE = timedelta(seconds=30)
#: how long answered keys are kept
KEEP = timedelta(days=7)
_MAX_KEY = 200


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP-shaped answer: status and JSON body; ``replayed`` for a repeat."""

    status: int
    body: Mapping[str, Any]
    replayed: bool = False


def request_hash(*parts: Any) -> str:
    """A fingerprint of what a request asks (method, path, body)."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def check_key(key: str) -> None:
    """A usable key: 1 to 200 printable characters (``usage`` error otherwise)."""
    if not key or len(key) > _MAX_KEY or not key.isprintable():
        raise OpsError(f"Idempotency-Key: expected 1 to {_MAX_KEY} printable characters", "usage")


def first_answer(found: IdempotencyRow, key: str, fingerprint: str) -> Answer | None:
    """The first answer stored under a key, or None while none is; a key used for another
    request is refused (``usage``)."""
    if found.request_sha256 != fingerprint:
        raise OpsError(
            f"Idempotency-Key {key!r} was used for another request; use a new key "
            "for a new request",
            "usage",
            code="idempotency_key_reused",
        )
    if found.status == "answered":
        assert found.http_status is not None and found.answer is not None
        return Answer(found.http_status, json.loads(found.answer), replayed=True)
    return None


def in_progress(key: str) -> OpsError:
    """The refusal of a request whose key another request is still working under."""
    return OpsError(
        f"a request with Idempotency-Key {key!r} is being processed; retry shortly",
        "conflict",
        code="idempotency_in_progress",
    )


def once(
    store: SqlStore,
    web: WebStore,
    scope: str,
    key: str,
    fingerprint: str,
    work: Callable[[], Answer],
    now: Callable[[], datetime] | None = None,
) -> Answer:
    """Run ``work`` once for (``scope``, ``key``); repeats get its first answer."""
    clock = now or (lambda: datetime.now(UTC))
    check_key(key)
    if not web.claim_key(scope, key, fingerprint, clock()):
        found = web.key(scope, key)
        if found is None:  # forgotten between the insert and the read: a new request
            return once(store, web, scope, key, fingerprint, work, now)
        first = first_answer(found, key, fingerprint)
        if first is not None:
            return first
        stale = clock() - found.claimed_at > LEASE
        if found.status == "applied" or not stale:
            raise in_progress(key)
        if not web.take_over_key(scope, key, found.claimed_at, clock()):
            raise in_progress(key)
    try:
        with store.riding_along(web.applied_statement(scope, key, clock())):
            answer = work()
    except BaseException:
        found = web.key(scope, key)
        if found is not None and found.status == "claimed":
            web.release_key(scope, key)  # nothing was saved: a retry may do the work
        elif found is not None and found.status == "applied":
            web.answer_key(scope, key, 500, json.dumps(_lost(key)), clock())
        raise
    if answer.status >= 500:  # a passing failure: if nothing was saved, a retry may do it
        found = web.key(scope, key)
        if found is not None and found.status == "claimed":
            web.release_key(scope, key)
            return answer
    web.answer_key(scope, key, answer.status, json.dumps(answer.body, default=str), clock())
    return answer


def _lost(key: str) -> dict[str, Any]:
    return {
        "type": "urn:statewise:problem:internal",
        "title": "Internal error",
        "status": 500,
        "code": "internal",
        "detail": f"the request with Idempotency-Key {key!r} was applied, but answering it "
        "failed inside statewise; see the instance's history",
    }
