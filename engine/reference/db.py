"""The database the reference integrations keep their state in, and exactly-once task calls.

:class:`RefDb` opens the statewise database (SQLite file or PostgreSQL) with SQLAlchemy Core;
the reference tables (:mod:`.tables`) sit beside the statewise tables and are created by the
same migrations (``statewise db upgrade``). On SQLite its transactions start with ``BEGIN
IMMEDIATE``, so a writer queues for the lock instead of failing.

:meth:`RefDb.once` is how every reference task handler performs its work: the call's
idempotency key (the outbox item id the engine passes) is inserted into ``ref_calls`` in the
same transaction as the work and its answer. A call repeated after a crash, or performed by
two workers at once, finds the key and gets the stored answer: nothing is charged, reserved,
exported or posted twice. A refusal (:class:`TaskRefused`) is an answer too: it is stored and
raised again on a repeat, so the chart sees the same ``error.invoke.<task>``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from engine.errors import StatewiseError
from engine.reference import tables as t
from engine.runtime import Clock, SystemClock

__all__ = [
    "RefDb",
    "TaskRefused",
    "as_utc",
    "cents",
    "decode",
    "encode",
    "money",
]

Work = Callable[[Connection], Mapping[str, Any]]


class TaskRefused(StatewiseError):
    """The system refused the call: the task fails with this message (``error.invoke``).

    ``keep=True`` keeps what the call wrote before refusing (an exporter's failed run is
    recorded); otherwise it is rolled back with the rest of the call.
    """

    def __init__(self, message: str, *, keep: bool = False) -> None:
        super().__init__(message)
        self.keep = keep


def cents(amount: Decimal | int | str) -> int:
    """An amount of money in integer cents (half up)."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(value * 100)


def money(amount_cents: int) -> Decimal:
    """Integer cents as a two-place decimal."""
    return (Decimal(amount_cents) / 100).quantize(Decimal("0.01"))


def as_utc(value: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite gives naive UTC back)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _tag(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        return {"$time": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Mapping):
        return {str(k): _tag(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_tag(v) for v in value]
    return value


def _untag(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, inner),) = value.items()
            if key == "$decimal":
                return Decimal(inner)
            if key == "$time":
                return datetime.fromisoformat(inner)
            if key == "$date":
                return date.fromisoformat(inner)
        return {k: _untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_untag(v) for v in value]
    return value


def encode(value: Any) -> str:
    """JSON that keeps decimals, times and dates as such (see :func:`decode`)."""
    return json.dumps(_tag(value), sort_keys=True)


def decode(text: str) -> Any:
    return _untag(json.loads(text))


#: built once: constructing a statement costs more than running it on SQLite
_RECORD = insert(t.calls)


class _KeyTaken(Exception):
    pass


class RefDb:
    """The reference integrations' connection to the statewise database."""

    def __init__(self, url: str, clock: Clock | None = None) -> None:
        from engine.store.sql.connect import make_engine

        self.url = url
        self.clock: Clock = clock or SystemClock()
        self.engine = make_engine(url, sqlite_begin="BEGIN IMMEDIATE")

    def close(self) -> None:
        self.engine.dispose()

    def now(self) -> datetime:
        return self.clock.now()

    def steps(self) -> int:
        """How many audit lines the engine has written (grows with every committed step)."""
        from sqlalchemy import func

        from engine.store.sql.tables import audit

        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(audit)).scalar_one())

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self.engine.begin() as conn:
            yield conn

    def once(self, key: str, system: str, operation: str, work: Work) -> dict[str, Any]:
        """Run ``work`` exactly once for ``key``; later calls get the first call's answer.

        ``work`` runs inside the transaction that records the key (last, so a caller that
        finds the key taken rolls its own work back); it returns the answer (JSON-able
        values, decimals and times allowed) or raises :class:`TaskRefused`. Any other
        exception rolls everything back and propagates (nothing recorded).
        """
        refused: TaskRefused | None = None
        try:
            with self.engine.begin() as conn:
                try:
                    answer: dict[str, Any] = dict(work(conn))
                except TaskRefused as exc:
                    if not exc.keep:
                        raise
                    refused, answer = exc, {"message": str(exc)}
                self._record(conn, key, system, operation, refused is None, answer)
        except _KeyTaken:  # performed before (or just now, by another worker)
            return self._answer(key, operation)
        except IntegrityError:  # the work met rows of the same call done meanwhile
            if self._answered(key):
                return self._answer(key, operation)
            raise
        except TaskRefused as exc:  # its work was rolled back; the refusal is the answer
            try:
                with self.engine.begin() as conn:
                    self._record(conn, key, system, operation, False, {"message": str(exc)})
            except _KeyTaken:
                return self._answer(key, operation)
            raise
        if refused is not None:
            raise refused
        return answer

    def _record(
        self,
        conn: Connection,
        key: str,
        system: str,
        operation: str,
        ok: bool,
        answer: Mapping[str, Any],
    ) -> None:
        row = {
            "key": key,
            "system": system,
            "operation": operation,
            "outcome": "ok" if ok else "error",
            "result": encode(answer),
            "created": self.now(),
        }
        try:
            conn.execute(_RECORD, row)
        except IntegrityError as exc:
            raise _KeyTaken from exc

    def _answered(self, key: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(select(t.calls.c.key).where(t.calls.c.key == key)).first()
            return found is not None

    def _answer(self, key: str, operation: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.calls.c.operation, t.calls.c.outcome, t.calls.c.result).where(
                    t.calls.c.key == key
                )
            ).one()
        if row.operation != operation:
            raise StatewiseError(
                f"idempotency key {key!r} was used for {row.operation}, not {operation}"
            )
        stored: dict[str, Any] = decode(row.result)
        if row.outcome == "error":
            raise TaskRefused(str(stored.get("message", "refused")))
        return stored
