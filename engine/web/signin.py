"""Signing in and out of the console.

The sign-in form carries its own CSRF token (kept in a short-lived signed cookie until a
session exists). Attempts are limited per client address (``sign_in_per_minute``) and per
account (a lock that grows with failures in a row; :mod:`engine.ops.users`).
"""

from __future__ import annotations

import hmac
import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from engine.ops.errors import OpsError
from engine.web.bodies import read_body, read_form
from engine.web.console import Page, page_endpoint, set_session
from engine.web.identity import Identity
from engine.web.problems import Problem
from engine.web.render import page
from engine.web.server import Server
from engine.web.sessions import COOKIE, PRE_COOKIE, Session

__all__ = ["sign_in_form", "sign_in_post", "sign_out"]


def _next(target: str | None) -> str:
    """Only a path on this site (no ``//host``, no scheme): no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _form(
    request: Request,
    server: Server,
    message: str | None,
    status: int,
    target: str | None = None,
) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(
        "signin.html",
        status,
        who=None,
        csrf=token,
        message=message,
        next=_next(target or request.query_params.get("next")),
    )
    response.set_cookie(
        PRE_COOKIE,
        server.signer.sign("presession", token),
        max_age=3600,
        httponly=True,
        samesite="lax",
        secure=server.config.secure_cookies,
        path="/signin",
    )
    return response


async def sign_in_form(request: Request) -> Response:
    return _form(request, request.app.state.server, None, 200)


def _attempt(request: Request, server: Server, name: str, password: str) -> Identity:
    from engine.ops.users import sign_in, user_principal

    row = sign_in(server.web, name, password)
    return Identity(user_principal(row), Session.new(row.name, row.session_epoch))


async def sign_in_post(request: Request) -> Response:
    server: Server = request.app.state.server
    try:
        form = read_form(await read_body(request, 10_000))
    except Problem as p:
        return _form(request, server, p.detail, p.status)
    expected = server.signer.unsign("presession", request.cookies.get(PRE_COOKIE))
    given = form.get("csrf")
    if not isinstance(expected, str) or not given or not hmac.compare_digest(expected, given):
        return _form(
            request, server, "The form expired; please sign in again.", 403, form.get("next")
        )
    client = request.client.host if request.client else "?"
    if not server.limiter.allow(client):
        return _form(
            request, server, "Too many sign-in attempts; wait a minute.", 429, form.get("next")
        )
    try:
        who = await run_in_threadpool(
            _attempt, request, server, form.get("name").strip(), form.get("password")
        )
    except OpsError as exc:
        status = 429 if exc.kind == "throttled" else 401
        return _form(request, server, str(exc).capitalize() + ".", status, form.get("next"))
    response = RedirectResponse(_next(form.get("next")), status_code=303)
    set_session(response, server, who)
    response.delete_cookie(PRE_COOKIE, path="/signin")
    return response


def _sign_out(p: Page) -> Response:
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


sign_out = page_endpoint(_sign_out)
