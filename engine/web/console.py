"""How a console page is served: find the signed-in person (else: the sign-in page),
check the form's CSRF token on every POST, run the page on the thread pool, and show
failures as an error page in words (never a traceback)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from engine.errors import StatewiseError
from engine.ops.errors import OpsError
from engine.web.bodies import Form, read_body, read_form
from engine.web.identity import Identity, console_identity, csrf_ok
from engine.web.problems import Problem, from_ops
from engine.web.render import page
from engine.web.server import Server
from engine.web.sessions import COOKIE

__all__ = ["Page", "page_endpoint", "set_session"]

log = logging.getLogger("statewise.web")


@dataclass(frozen=True, slots=True)
class Page:
    request: Request
    server: Server
    who: Identity
    form: Form

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        return page(template, status, who=self.who, csrf=self.csrf, **values)

    @property
    def csrf(self) -> str:
        return self.who.session.csrf if self.who.session else ""


def set_session(response: Response, server: Server, who: Identity) -> None:
    if who.session is None:
        return
    response.set_cookie(
        COOKIE,
        server.signer.session_cookie(who.session),
        max_age=int(server.config.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=server.config.secure_cookies,
        path="/",
    )


def _error(request: Request, who: Identity | None, problem: Problem) -> Response:
    csrf = who.session.csrf if who and who.session else ""
    return page("error.html", problem.status, who=who, csrf=csrf, problem=problem)


def _run(handler: Callable[[Page], Response], request: Request, form: Form) -> Response:
    server: Server = request.app.state.server
    who = console_identity(request, server)
    if who is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
    try:
        if request.method == "POST" and not csrf_ok(who, form.get("csrf")):
            raise Problem(
                "csrf_failed",
                "this form was not sent from a console page (its security token is missing "
                "or wrong); nothing was changed. Reload the page and try again.",
            )
        response = handler(Page(request, server, who, form))
    except Problem as p:
        response = _error(request, who, p)
    except OpsError as exc:
        response = _error(request, who, from_ops(exc))
    except StatewiseError as exc:
        response = _error(request, who, Problem("unprocessable", str(exc)))
    if who.fresh:
        set_session(response, server, who)
    return response


def page_endpoint(handler: Callable[[Page], Response]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        server: Server = request.app.state.server
        try:
            form = Form([])
            if request.method == "POST":
                form = read_form(await read_body(request, server.config.max_body))
            return await run_in_threadpool(_run, handler, request, form)
        except Problem as p:
            return _error(request, None, p)
        except Exception:
            log.exception("internal error on %s %s", request.method, request.url.path)
            return _error(
                request, None, Problem("internal", "an internal error in statewise; see the log")
            )

    endpoint.__name__ = handler.__name__
    return endpoint
