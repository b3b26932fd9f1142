"""A webhook: one event to one instance with an ``Idempotency-Key``, in one read and one
commit.

The general path (:func:`engine.ops.idempotency.once`) claims the key, does the work and
then stores its answer: three commits. An event sent to an instance can do better, because
its answer is known before its step is saved:

1. **one read**: the instance and the key together (:meth:`WebStore.instance_and_key`;
   by chart and business key: the instance, then the key). A key found answered gives its
   first answer back; one found for another request is refused.
2. the step is planned in memory (nothing saved) and its answer made;
3. **one commit**: the step, its audit line and outbox items, and the key *with its answer*
   in one transaction (:func:`engine.service.single.commit_planned`). The key's primary key
   lets exactly one of several requests with the same key commit; a loser's transaction is
   rolled back whole (the instance is unchanged) and it answers what the winner stored.

A refused or ignored event saves no step: its answer is stored alone (one commit), and
repeats get the same refusal. A failure that saved nothing (the database is away, the
instance kept changing) is answered 503 and not stored: a retry does the work. Keys left
*claimed* or *applied* by the general path (a start request, or a server of an earlier
version during an upgrade) are honoured as that path does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from engine.errors import StatewiseError
from engine.ops.acting import chart_of
from engine.ops.errors import OpsError
from engine.ops.idempotency import LEASE, Answer, check_key, first_answer, in_progress
from engine.ops.sending import SendResult

if TYPE_CHECKING:
    from engine.ops.auth import Principal
    from engine.service import Engine
    from engine.store.records import InstanceRecord
    from engine.store.sql import IdempotencyRow, WebStore

__all__ = ["send_once"]

#: attempts when the instance changes between the read and the commit
_TRIES = 2


def _text(value: str | None) -> str | None:
    return value.strip() or None if value else None


def _repeat(found: IdempotencyRow, key: str, fingerprint: str, now: datetime) -> Answer | None:
    """What a request finds under a key already there: the first answer, a refusal, or None
    (a stale claim of the general path, dropped: do the work)."""
    first = first_answer(found, key, fingerprint)
    if first is not None:
        return first
    if found.status == "claimed" and now - found.claimed_at > LEASE:
        return None
    raise in_progress(key)


def send_once(
    engine: Engine,
    web: WebStore,
    principal: Principal,
    target: str | tuple[str, str],
    event: str,
    data: Mapping[str, Any] | None,
    *,
    key: str,
    fingerprint: str,
    answer_of: Callable[[SendResult], Answer],
    note: str | None = None,
    client_note: str | None = None,
    now: Callable[[], datetime] | None = None,
) -> Answer:
    """Send ``event`` to ``target`` (an instance id, or (chart, business key)) once for
    ``principal``'s ``key``; ``answer_of`` turns the result into the HTTP answer that is
    stored with the step. A principal who may not see the instance or send the event gets
    an ``OpsError`` and nothing is stored."""
    clock = now or (lambda: datetime.now(UTC))
    check_key(key)
    scope = principal.ident
    store = engine.store
    if isinstance(target, str):
        record, found = web.instance_and_key(target, scope, key)
        missing = f"no instance with id {target!r}"
    else:
        record, found = store.find(*target), web.key(scope, key)
        missing = f"chart {target[0]!r} has no instance with key {target[1]!r}"
    if found is not None:
        repeated = _repeat(found, key, fingerprint, clock())
        if repeated is not None:
            return repeated
        web.release_key(scope, key)  # a stale claim: its claimant saved nothing
    if record is None or not principal.sees(record.chart):
        raise OpsError(missing, "not_found")
    principal.require_send(chart_of(engine, record), event)
    return _send(engine, web, principal, record, event, data, key, fingerprint, answer_of,
                 _text(note), _text(client_note), clock)  # fmt: skip


def _send(
    engine: Engine,
    web: WebStore,
    principal: Principal,
    record: InstanceRecord,
    event: str,
    data: Mapping[str, Any] | None,
    key: str,
    fingerprint: str,
    answer_of: Callable[[SendResult], Answer],
    note: str | None,
    client_note: str | None,
    clock: Callable[[], datetime],
) -> Answer:
    from engine.runtime import EventRefused
    from engine.service.ops import is_infrastructure
    from engine.service.single import commit_planned, plan_event
    from engine.store import ConcurrentUpdate

    scope, iid = principal.ident, record.id
    failure: StatewiseError | None = None
    for _ in range(_TRIES):
        try:
            planned = plan_event(engine, record, event, data, actor=principal.actor,
                                 note=note, roles=principal.roles, client_note=client_note)  # fmt: skip
        except EventRefused as refused:
            reasons = refused.reasons
            return _alone(web, scope, key, fingerprint, clock,
                          answer_of(SendResult(iid, event, "refused", reasons=reasons)))  # fmt: skip
        except StatewiseError as exc:  # the event does not fit the chart (bad data, ...)
            failed = SendResult(iid, event, "failed", reasons=(str(exc),))
            return _alone(web, scope, key, fingerprint, clock, answer_of(failed))
        accepted = SendResult(iid, event, "accepted", planned.before, planned.after)
        answer = answer_of(accepted)
        if planned.step is None:  # ignored on purpose: nothing to save but the answer
            return _alone(web, scope, key, fingerprint, clock, answer)
        body = json.dumps(answer.body, default=str)
        rider = web.answered_statement(scope, key, fingerprint, answer.status, body, clock())
        try:
            commit_planned(engine, planned, [rider])
            return answer
        except StatewiseError as exc:
            if not isinstance(exc, ConcurrentUpdate) and not is_infrastructure(exc):
                raise
            # another request with this key may have won (its commit broke ours)
            found = web.key(scope, key)
            if found is not None:
                repeated = _repeat(found, key, fingerprint, clock())
                if repeated is not None:
                    return repeated
            failure = exc
            if not isinstance(exc, ConcurrentUpdate):
                break
            record = engine.store.load(iid)  # changed meanwhile: once more, on it as it is
    assert failure is not None
    return answer_of(SendResult(iid, event, "failed", reasons=(str(failure),), transient=True))


def _alone(
    web: WebStore,
    scope: str,
    key: str,
    fingerprint: str,
    clock: Callable[[], datetime],
    answer: Answer,
) -> Answer:
    """Store an answer that saved no step (a refusal); a passing failure (5xx) is not
    stored, so a retry does the work. Another request that stored first wins."""
    if answer.status >= 500:
        return answer
    body = json.dumps(answer.body, default=str)
    if web.add_answered_key(scope, key, fingerprint, answer.status, body, clock()):
        return answer
    found = web.key(scope, key)
    repeated = None if found is None else _repeat(found, key, fingerprint, clock())
    return answer if repeated is None else repeated
