"""What ``statewise serve`` keeps beside the instances: users, API tokens, idempotency keys
and the secrets every server process shares (the tables of revision ``v0003_web``).

Plain rows in, plain rows out: hashing passwords, checking tokens and deciding what a
repeated request gets are the operations layer's (:mod:`engine.ops.users`,
:mod:`engine.ops.webhooks`). Every method is one statement or one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from engine.store.records import InstanceRecord
    from engine.store.sql.driver import Stmt
    from engine.store.sql.store import SqlStore

__all__ = ["IdempotencyRow", "TokenRow", "UserRow", "WebStore"]


class UserRow(NamedTuple):
    name: str
    password_hash: str | None
    roles: tuple[str, ...]
    failed_sign_ins: int
    locked_until: datetime | None
    session_epoch: int
    created: datetime
    updated: datetime


class TokenRow(NamedTuple):
    id: str
    name: str
    secret_sha256: str
    roles: tuple[str, ...]
    charts: tuple[str, ...]
    events: tuple[str, ...]
    created: datetime
    last_used: datetime | None
    revoked: datetime | None


class IdempotencyRow(NamedTuple):
    scope: str
    key: str
    request_sha256: str
    #: ``claimed`` (being worked on), ``applied`` (the step is saved), ``answered``
    status: str
    http_status: int | None
    answer: str | None
    claimed_at: datetime
    updated: datetime


_USER = "name, password_hash, roles, failed_sign_ins, locked_until, session_epoch, created, updated"
_TOKEN = "id, name, secret_sha256, roles, charts, events, created, last_used, revoked"
_IDEM = "scope, key, request_sha256, status, http_status, answer, claimed_at, updated"


def _list(text: str) -> tuple[str, ...]:
    return tuple(str(v) for v in json.loads(text))


class WebStore:
    """The web tables of one :class:`~engine.store.sql.SqlStore` (same connections)."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self._db = store._db
        self._p = "%s" if store.dialect == "postgresql" else "?"
        self._instance_and_key: str | None = None

    def _sql(self, text: str) -> str:
        return text.replace("?", self._p)

    def _t(self, value: datetime | None) -> Any:
        return None if value is None else self._db.time(value)

    def _rt(self, value: Any) -> datetime | None:
        return None if value is None else self._db.read_time(value)

    def _run(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        self._db.transaction([(self._sql(s), tuple(a)) for s, a in statements])

    def _write(self, sql: str, args: Sequence[Any]) -> int:
        """One statement in its own transaction; the number of rows it changed."""
        db = self._db
        try:
            return int(db.write(self._sql(sql), tuple(args), ()))
        except db.IntegrityError:
            raise
        except db.Error as exc:
            raise db.failed(exc) from exc

    def _insert(self, sql: str, args: Sequence[Any]) -> bool:
        """True when the row was inserted, False when its key exists already."""
        db = self._db
        try:
            db.write(self._sql(sql), tuple(args), ())
            return True
        except db.IntegrityError:
            return False
        except db.Error as exc:
            raise db.failed(exc) from exc

    def ping(self) -> bool:
        """True when the database answers."""
        return self._db.one("SELECT 1", ()) is not None

    # -- users ----------------------------------------------------------------------------
    def _user(self, row: Sequence[Any]) -> UserRow:
        name, pw, roles, failed, locked, epoch, created, updated = row
        return UserRow(
            name,
            pw,
            _list(roles),
            int(failed),
            self._rt(locked),
            int(epoch),
            self._db.read_time(created),
            self._db.read_time(updated),
        )

    def add_user(
        self, name: str, password_hash: str | None, roles: Sequence[str], now: datetime
    ) -> bool:
        """False when a user of that name exists."""
        t = self._t(now)
        return self._insert(
            f"INSERT INTO statewise_web_users ({_USER}) VALUES (?, ?, ?, 0, NULL, 1, ?, ?)",
            (name, password_hash, json.dumps(list(roles)), t, t),
        )

    def user(self, name: str) -> UserRow | None:
        row = self._db.one(
            self._sql(f"SELECT {_USER} FROM statewise_web_users WHERE name = ?"), (name,)
        )
        return None if row is None else self._user(row)

    def users(self) -> list[UserRow]:
        rows = self._db.all(f"SELECT {_USER} FROM statewise_web_users ORDER BY name", ())
        return [self._user(r) for r in rows]

    def set_password(self, name: str, password_hash: str, now: datetime) -> bool:
        """A new password ends every session of the user (``session_epoch`` + 1)."""
        return bool(
            self._write(
                "UPDATE statewise_web_users SET password_hash = ?, session_epoch = session_epoch + 1, "
                "failed_sign_ins = 0, locked_until = NULL, updated = ? WHERE name = ?",
                (password_hash, self._t(now), name),
            )
        )

    def set_roles(self, name: str, roles: Sequence[str], now: datetime) -> bool:
        return bool(
            self._write(
                "UPDATE statewise_web_users SET roles = ?, updated = ? WHERE name = ?",
                (json.dumps(list(roles)), self._t(now), name),
            )
        )

    def remove_user(self, name: str) -> bool:
        return bool(self._write("DELETE FROM statewise_web_users WHERE name = ?", (name,)))

    def sign_in_failed(self, name: str, locked_until: datetime | None, now: datetime) -> None:
        self._write(
            "UPDATE statewise_web_users SET failed_sign_ins = failed_sign_ins + 1, "
            "locked_until = ?, updated = ? WHERE name = ?",
            (self._t(locked_until), self._t(now), name),
        )

    def sign_in_succeeded(self, name: str) -> None:
        self._write(
            "UPDATE statewise_web_users SET failed_sign_ins = 0, locked_until = NULL "
            "WHERE name = ? AND (failed_sign_ins <> 0 OR locked_until IS NOT NULL)",
            (name,),
        )

    # -- API tokens -----------------------------------------------------------------------
    def _token(self, row: Sequence[Any]) -> TokenRow:
        tid, name, sha, roles, charts, events, created, used, revoked = row
        return TokenRow(
            tid,
            name,
            sha,
            _list(roles),
            _list(charts),
            _list(events),
            self._db.read_time(created),
            self._rt(used),
            self._rt(revoked),
        )

    def add_token(
        self,
        token_id: str,
        name: str,
        secret_sha256: str,
        *,
        roles: Sequence[str],
        charts: Sequence[str],
        events: Sequence[str],
        now: datetime,
    ) -> bool:
        """False when a token of that name (or id) exists."""
        return self._insert(
            f"INSERT INTO statewise_web_tokens ({_TOKEN}) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
            (
                token_id,
                name,
                secret_sha256,
                json.dumps(list(roles)),
                json.dumps(list(charts)),
                json.dumps(list(events)),
                self._t(now),
            ),
        )

    def token(self, token_id: str) -> TokenRow | None:
        row = self._db.one(
            self._sql(f"SELECT {_TOKEN} FROM statewise_web_tokens WHERE id = ?"), (token_id,)
        )
        return None if row is None else self._token(row)

    def token_named(self, name: str) -> TokenRow | None:
        row = self._db.one(
            self._sql(f"SELECT {_TOKEN} FROM statewise_web_tokens WHERE name = ?"), (name,)
        )
        return None if row is None else self._token(row)

    def tokens(self) -> list[TokenRow]:
        rows = self._db.all(f"SELECT {_TOKEN} FROM statewise_web_tokens ORDER BY name", ())
        return [self._token(r) for r in rows]

    def token_used(self, token_id: str, now: datetime) -> None:
        self._write(
            "UPDATE statewise_web_tokens SET last_used = ? WHERE id = ?", (self._t(now), token_id)
        )

    def revoke_token(self, name: str, now: datetime) -> bool:
        return bool(
            self._write(
                "UPDATE statewise_web_tokens SET revoked = ? WHERE name = ? AND revoked IS NULL",
                (self._t(now), name),
            )
        )

    # -- idempotency keys -----------------------------------------------------------------
    def _idem(self, row: Sequence[Any]) -> IdempotencyRow:
        scope, key, sha, status, http, answer, claimed, updated = row
        return IdempotencyRow(
            scope,
            key,
            sha,
            status,
            None if http is None else int(http),
            answer,
            self._db.read_time(claimed),
            self._db.read_time(updated),
        )

    def claim_key(self, scope: str, key: str, request_sha256: str, now: datetime) -> bool:
        """Insert the key as ``claimed``; False when it exists (another request had it)."""
        t = self._t(now)
        return self._insert(
            f"INSERT INTO statewise_web_idempotency ({_IDEM}) VALUES (?, ?, ?, 'claimed', NULL, NULL, ?, ?)",
            (scope, key, request_sha256, t, t),
        )

    def instance_and_key(
        self, instance_id: str, scope: str, key: str
    ) -> tuple[InstanceRecord | None, IdempotencyRow | None]:
        """An instance and an idempotency key, in one read (a webhook's only read): either
        may be missing."""
        from engine.store.sql.statements import INSTANCE_COLUMNS

        if self._instance_and_key is None:
            cols = ", ".join(f"i.{c.name}" for c in INSTANCE_COLUMNS)
            keys = ", ".join(f"k.{c.strip()}" for c in _IDEM.split(","))
            self._instance_and_key = self._sql(
                f"SELECT {cols}, {keys} FROM (SELECT 1 AS one) AS o "
                "LEFT JOIN statewise_instances AS i ON i.id = ? "
                "LEFT JOIN statewise_web_idempotency AS k ON k.scope = ? AND k.key = ?"
            )
        row = self._db.one(self._instance_and_key, (instance_id, scope, key))
        assert row is not None
        n = len(INSTANCE_COLUMNS)
        record = None if row[0] is None else self._store._rows.record(row[:n])
        return record, None if row[n] is None else self._idem(row[n:])

    def answered_statement(
        self, scope: str, key: str, request_sha256: str, http_status: int, answer: str,
        now: datetime,
    ) -> Stmt:  # fmt: skip
        """The statement that records a key with its answer, to run in the transaction of
        the step it answers (:meth:`SqlStore.riding_along`): the step and the key are saved
        together or not at all. Of several requests with one key, the unique key lets
        exactly one commit; the others fail and roll back their step."""
        t = self._t(now)
        return (
            self._sql(
                f"INSERT INTO statewise_web_idempotency ({_IDEM}) "
                "VALUES (?, ?, ?, 'answered', ?, ?, ?, ?)"
            ),
            (scope, key, request_sha256, http_status, answer, t, t),
        )

    def add_answered_key(
        self, scope: str, key: str, request_sha256: str, http_status: int, answer: str,
        now: datetime,
    ) -> bool:  # fmt: skip
        """Record a key with an answer that saved no step (a refusal); False when the key
        exists already (another request had it first)."""
        sql, args = self.answered_statement(scope, key, request_sha256, http_status, answer, now)
        return self._insert(sql, args)

    def key(self, scope: str, key: str) -> IdempotencyRow | None:
        row = self._db.one(
            self._sql(f"SELECT {_IDEM} FROM statewise_web_idempotency WHERE scope = ? AND key = ?"),
            (scope, key),
        )
        return None if row is None else self._idem(row)

    def take_over_key(self, scope: str, key: str, claimed_at: datetime, now: datetime) -> bool:
        """Claim a key whose claimant stopped before its step was saved (still ``claimed``
        at ``claimed_at``); True for exactly one of several processes trying."""
        return bool(
            self._write(
                "UPDATE statewise_web_idempotency SET claimed_at = ?, updated = ? "
                "WHERE scope = ? AND key = ? AND status = 'claimed' AND claimed_at = ?",
                (self._t(now), self._t(now), scope, key, self._t(claimed_at)),
            )
        )

    def applied_statement(self, scope: str, key: str, now: datetime) -> tuple[str, tuple[Any, ...]]:
        """The statement that marks a key ``applied``, to run in the step's own transaction
        (:meth:`SqlStore.riding_along`): the step and the mark are saved together or not."""
        return (
            self._sql(
                "UPDATE statewise_web_idempotency SET status = 'applied', updated = ? "
                "WHERE scope = ? AND key = ?"
            ),
            (self._t(now), scope, key),
        )

    def answer_key(
        self, scope: str, key: str, http_status: int, answer: str, now: datetime
    ) -> None:
        self._write(
            "UPDATE statewise_web_idempotency SET status = 'answered', http_status = ?, answer = ?, "
            "updated = ? WHERE scope = ? AND key = ?",
            (http_status, answer, self._t(now), scope, key),
        )

    def release_key(self, scope: str, key: str) -> None:
        """Drop a claim whose work saved nothing (so a retry can do it)."""
        self._write(
            "DELETE FROM statewise_web_idempotency WHERE scope = ? AND key = ? AND status = 'claimed'",
            (scope, key),
        )

    def forget_keys(self, before: datetime) -> int:
        """Remove answered keys claimed before ``before``; how many."""
        return self._write(
            "DELETE FROM statewise_web_idempotency WHERE status = 'answered' AND claimed_at < ?",
            (self._t(before),),
        )

    # -- shared secrets -------------------------------------------------------------------
    def secret(self, name: str, make: str, now: datetime) -> str:
        """The secret ``name``; created with the value ``make`` by the first process to ask."""
        self._insert(
            "INSERT INTO statewise_web_secrets (name, value, created) VALUES (?, ?, ?)",
            (name, make, self._t(now)),
        )
        row = self._db.one(
            self._sql("SELECT value FROM statewise_web_secrets WHERE name = ?"), (name,)
        )
        assert row is not None
        return str(row[0])
