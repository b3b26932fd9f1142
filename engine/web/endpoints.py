"""How an API handler is called: read the body (bounded), find the caller, run the handler
on the thread pool, and turn every failure into problem details.

A handler is a plain function ``(call: Call) -> Reply``; it never sees Starlette's
request cycle or writes a response by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from engine.errors import StatewiseError
from engine.jsonvalues import dumps as _dumps
from engine.jsonvalues import plain
from engine.ops.errors import OpsError
from engine.web.bodies import read_body, read_json
from engine.web.identity import Identity, api_identity
from engine.web.problems import Problem, from_ops, problem_response
from engine.web.server import Server

__all__ = ["Call", "Reply", "api_endpoint", "dumps", "plain"]

log = logging.getLogger("statewise.web")


def dumps(value: Any) -> str:
    """A JSON answer: every value through :func:`engine.jsonvalues.plain`."""
    return _dumps(value, indent=None)


@dataclass(frozen=True, slots=True)
class Reply:
    body: Any
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Call:
    request: Request
    server: Server
    who: Identity
    body: dict[str, Any]

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.body.get(name)
        if value is None:
            if required:
                raise Problem("bad_request", f"the body needs {name!r}")
            return None
        if not isinstance(value, str):
            raise Problem("bad_request", f"{name!r} must be a string")
        return value

    def mapping(self, name: str) -> dict[str, Any] | None:
        value = self.body.get(name)
        if value is not None and not isinstance(value, dict):
            raise Problem("bad_request", f"{name!r} must be a JSON object")
        return value


def _run(handler: Callable[[Call], Reply], request: Request, body: dict[str, Any]) -> Reply:
    server: Server = request.app.state.server
    who = api_identity(request, server)
    return handler(Call(request, server, who, body))


def api_endpoint(handler: Callable[[Call], Reply]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        server: Server = request.app.state.server
        try:
            body: dict[str, Any] = {}
            if request.method in ("POST", "PUT", "PATCH"):
                raw = await read_body(request, server.config.max_body)
                body = read_json(raw, request.headers.get("content-type"))
            reply = await run_in_threadpool(_run, handler, request, body)
        except Problem as p:
            return problem_response(p, request.url.path)
        except OpsError as exc:
            return problem_response(from_ops(exc), request.url.path)
        except StatewiseError as exc:
            from engine.store.sql import DatabaseError

            if isinstance(exc, DatabaseError):
                log.error("database error on %s: %s", request.url.path, exc)
            return problem_response(Problem("unprocessable", str(exc)), request.url.path)
        except Exception:
            log.exception("internal error on %s %s", request.method, request.url.path)
            return problem_response(
                Problem("internal", "an internal error in statewise; see the server log"),
                request.url.path,
            )
        return Response(
            dumps(reply.body),
            status_code=reply.status,
            media_type="application/problem+json" if reply.status >= 400 else "application/json",
            headers=dict(reply.headers),
        )

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint
