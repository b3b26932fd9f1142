"""Who is asking: an API token (``Authorization: Bearer sw_...``), a console session
(the signed cookie), or, when configured, a company SSO proxy's header.

Every request that is not ``/healthz``, a static file or the sign-in page must resolve to
a :class:`~engine.ops.auth.Principal`; a person's roles are read from the database on every
request (a changed role or password takes effect at once); an API token, once verified, is
trusted by the process for ``ServeConfig.token_cache_seconds`` (5 s: a revoked token stops
working within that time).
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

from starlette.requests import Request

from engine.ops.auth import Principal
from engine.ops.errors import OpsError
from engine.web.problems import Problem
from engine.web.server import Server
from engine.web.sessions import COOKIE, Session

__all__ = ["Identity", "api_identity", "console_identity", "csrf_ok"]

_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
#: how often (seconds) a token's "last used" time is written, at most
_USED_EVERY = 60.0
_last_written: dict[str, float] = {}


@dataclass(frozen=True, slots=True)
class Identity:
    principal: Principal
    #: the console session (None for tokens); ``fresh``: made on this request (SSO header)
    session: Session | None = None
    fresh: bool = False


def _user(server: Server, name: str) -> Principal | None:
    from engine.ops.users import user_principal

    row = server.web.user(name)
    return None if row is None else user_principal(row)


def _trusted(request: Request, server: Server) -> Identity | None:
    header = server.config.trusted_header
    client = request.client.host if request.client else ""
    if not header or client not in server.config.trusted_proxies:
        return None
    name = request.headers.get(header, "").strip()
    if not name:
        return None
    roles_header = server.config.trusted_roles_header
    if roles_header:
        from engine.ops.users import parse_list

        roles = frozenset(parse_list(request.headers.get(roles_header, "")))
        principal = Principal(name, "user", roles, ident=f"user:{name}")
    else:
        found = _user(server, name)
        if found is None:
            raise Problem("forbidden", f"the SSO user {name!r} is not a statewise user")
        principal = found
    session = server.signer.session(request.cookies.get(COOKIE))
    if session is not None and session.user == name:
        return Identity(principal, session)
    return Identity(principal, Session.new(name, 0), fresh=True)


def console_identity(request: Request, server: Server) -> Identity | None:
    """The signed-in person of a console request, or None (then: the sign-in page)."""
    trusted = _trusted(request, server)
    if trusted is not None:
        return trusted
    session = server.signer.session(request.cookies.get(COOKIE))
    if session is None:
        return None
    row = server.web.user(session.user)
    if row is None or row.session_epoch != session.epoch:
        return None  # removed, or the password changed since
    from engine.ops.users import user_principal

    return Identity(user_principal(row), session)


def csrf_ok(identity: Identity, given: str | None) -> bool:
    session = identity.session
    return session is not None and bool(given) and hmac.compare_digest(session.csrf, given or "")


def api_identity(request: Request, server: Server) -> Identity:
    """The principal of an API request; ``unauthorized`` (401) without valid credentials."""
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, text = auth.partition(" ")
        if scheme.lower() != "bearer" or not text.strip():
            raise Problem("unauthorized", "expected 'Authorization: Bearer <API token>'")
        verified = server.tokens.get(text)
        if verified is None:
            from engine.ops.users import authenticate_token

            try:
                verified = authenticate_token(server.web, text)
            except OpsError as exc:
                raise Problem("unauthorized", str(exc)) from None
            server.tokens.put(text, verified)
        row, principal = verified
        now = time.monotonic()
        if now - _last_written.get(row.id, -_USED_EVERY) >= _USED_EVERY:
            from datetime import UTC, datetime

            _last_written[row.id] = now
            server.web.token_used(row.id, datetime.now(UTC))
        return Identity(principal)
    found = console_identity(request, server)
    if found is None:
        raise Problem("unauthorized", "sign in, or send 'Authorization: Bearer <API token>'")
    if request.method not in _SAFE and not csrf_ok(found, request.headers.get("x-csrf-token")):
        raise Problem(
            "csrf_failed",
            "a request signed in with the console's cookie must carry its X-CSRF-Token header",
        )
    return found
