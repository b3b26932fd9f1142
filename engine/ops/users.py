"""People and integrations: users with passwords and roles, API tokens, signing in.

Passwords are hashed with argon2id (``argon2-cffi``, the ``serve`` extra). A user whose
sign-ins keep failing is locked for a while: after :data:`FREE_FAILURES` failures in a
row, each further failure locks the account for twice as long as the last (30 s up to
15 min). The lock lives in the database, so every server process honours it.

API tokens read ``sw_<id>_<secret>``; the database keeps the secret's SHA-256 only (a
random 256-bit secret needs no slow hash), and the token is shown once, when it is made.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from engine.ops.auth import ANY, Principal
from engine.ops.errors import OpsError

if TYPE_CHECKING:
    from engine.store.sql import TokenRow, UserRow, WebStore

__all__ = [
    "FREE_FAILURES",
    "MIN_PASSWORD",
    "add_user",
    "authenticate_token",
    "create_token",
    "hash_password",
    "parse_list",
    "revoke_token",
    "set_password",
    "set_roles",
    "sign_in",
    "user_principal",
]

#: failed sign-ins in a row before the account is locked for a while
FREE_FAILURES = 5
MIN_PASSWORD = 8
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")
_TOKEN = re.compile(r"sw_([a-z0-9]{12})_([A-Za-z0-9_-]{43})")
#: verified when the user does not exist, so an unknown name takes as long as a bad password
_DUMMY: list[str] = []


def _hasher() -> Any:
    try:
        from argon2 import PasswordHasher
    except ImportError as exc:  # pragma: no cover - the serve extra is missing
        raise OpsError(
            "passwords need the argon2-cffi package: pip install 'statewise[serve]'", "problem"
        ) from exc
    return PasswordHasher()


def parse_list(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"A,B, C"`` -> ``("A", "B", "C")``: roles, charts, events given on a command line."""
    if text is None:
        return ()
    items = text.split(",") if isinstance(text, str) else list(text)
    return tuple(dict.fromkeys(i.strip() for i in items if i.strip()))


def _check_name(name: str, what: str) -> None:
    if not _NAME.fullmatch(name):
        raise OpsError(
            f"{what} name {name!r}: expected letters, digits and . _ @ + - (at most 100)", "usage"
        )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise OpsError(f"the password is too short: at least {MIN_PASSWORD} characters", "usage")


def hash_password(password: str) -> str:
    _check_password(password)
    return str(_hasher().hash(password))


def _now(now: datetime | None) -> datetime:
    return datetime.now(UTC) if now is None else now


# -- users ---------------------------------------------------------------------------------
def add_user(
    web: WebStore, name: str, password: str, roles: Sequence[str], now: datetime | None = None
) -> None:
    _check_name(name, "user")
    for role in roles:
        _check_name(role, "role")
    if not web.add_user(name, hash_password(password), roles, _now(now)):
        raise OpsError(f"there is already a user {name!r}", "conflict")


def set_password(web: WebStore, name: str, password: str, now: datetime | None = None) -> None:
    """A new password; every open session of the user ends."""
    if not web.set_password(name, hash_password(password), _now(now)):
        raise OpsError(f"no user {name!r}", "not_found")


def set_roles(web: WebStore, name: str, roles: Sequence[str], now: datetime | None = None) -> None:
    for role in roles:
        _check_name(role, "role")
    if not web.set_roles(name, roles, _now(now)):
        raise OpsError(f"no user {name!r}", "not_found")


def user_principal(row: UserRow) -> Principal:
    return Principal(row.name, "user", frozenset(row.roles), ident=f"user:{row.name}")


def _lock_for(failures: int) -> timedelta | None:
    over = failures - FREE_FAILURES
    if over < 0:
        return None
    return timedelta(seconds=min(900, 30 * 2**over))


def sign_in(web: WebStore, name: str, password: str, now: datetime | None = None) -> UserRow:
    """The user, when ``password`` is theirs; ``unauthorized`` or ``throttled`` otherwise
    (the message never says whether the name exists)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    when = _now(now)
    hasher = _hasher()
    row = web.user(name) if _NAME.fullmatch(name) else None
    if row is not None and row.locked_until is not None and row.locked_until > when:
        wait = max(1, math.ceil((row.locked_until - when).total_seconds()))
        raise OpsError(f"too many failed sign-ins; try again in {wait} s", "throttled")
    if row is None or row.password_hash is None:
        if not _DUMMY:
            _DUMMY.append(hasher.hash(secrets.token_hex(8)))
        with contextlib.suppress(VerificationError, InvalidHashError):
            hasher.verify(_DUMMY[0], password)
        raise OpsError("unknown user or wrong password", "unauthorized")
    try:
        hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        lock = _lock_for(row.failed_sign_ins + 1)
        web.sign_in_failed(name, None if lock is None else when + lock, when)
        raise OpsError("unknown user or wrong password", "unauthorized") from None
    web.sign_in_succeeded(name)
    if hasher.check_needs_rehash(row.password_hash):
        web.set_password(name, hasher.hash(password), when)
        row = web.user(name) or row
    return row


# -- API tokens ----------------------------------------------------------------------------
def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    web: WebStore,
    name: str,
    *,
    charts: Sequence[str],
    events: Sequence[str] = (ANY,),
    roles: Sequence[str] = (),
    now: datetime | None = None,
) -> str:
    """A new token for an integration, limited to ``charts`` and ``events`` (``*``: any);
    returns its text, which is shown only now."""
    _check_name(name, "token")
    if not charts:
        raise OpsError("a token needs the charts it may use (--charts A,B or '*')", "usage")
    token_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
    secret = secrets.token_urlsafe(32)
    made = web.add_token(
        token_id,
        name,
        _sha(secret),
        roles=roles,
        charts=charts,
        events=events or (ANY,),
        now=_now(now),
    )
    if not made:
        raise OpsError(f"there is already a token {name!r}", "conflict")
    return f"sw_{token_id}_{secret}"


def revoke_token(web: WebStore, name: str, now: datetime | None = None) -> None:
    if not web.revoke_token(name, _now(now)):
        raise OpsError(f"no active token {name!r}", "not_found")


def token_principal(row: TokenRow) -> Principal:
    return Principal(
        row.name,
        "token",
        frozenset(row.roles),
        frozenset(row.charts),
        frozenset(row.events),
        ident=f"token:{row.id}",
    )


def authenticate_token(web: WebStore, text: str) -> tuple[TokenRow, Principal]:
    """The token ``text`` names, if it is valid and not revoked (``unauthorized`` else)."""
    found = _TOKEN.fullmatch(text.strip())
    row = web.token(found.group(1)) if found else None
    if row is None or found is None:
        raise OpsError("the API token is not valid", "unauthorized")
    if not hmac.compare_digest(row.secret_sha256, _sha(found.group(2))):
        raise OpsError("the API token is not valid", "unauthorized")
    if row.revoked is not None:
        raise OpsError(f"the API token {row.name!r} was revoked", "unauthorized")
    return row, token_principal(row)
