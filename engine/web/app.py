"""The Starlette application of ``statewise serve``: its routes and middleware.

:func:`create_app` loads the definitions, opens the store and returns the application;
``uvicorn`` (``engine.cli.serve``) or a test client serves it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from engine.web import api, api_lists, instance_page, pages, signin
from engine.web.config import ServeConfig
from engine.web.endpoints import api_endpoint
from engine.web.headers import SecurityHeaders
from engine.web.openapi import OPERATIONS, document
from engine.web.problems import Problem, problem_response
from engine.web.render import page
from engine.web.server import Server

__all__ = ["API_HANDLERS", "create_app", "routes"]

log = logging.getLogger("statewise.web")
STATIC = Path(__file__).resolve().parent / "static"

#: operationId -> handler (the OpenAPI document names the method and path)
API_HANDLERS = {
    "me": api.me,
    "listCharts": api_lists.list_charts,
    "getChart": api_lists.get_chart,
    "listInstances": api_lists.list_instances,
    "startInstance": api.start_instance,
    "getInstanceByKey": api.get_instance_by_key,
    "sendEventByKey": api.send_event_by_key,
    "getInstance": api.get_instance,
    "sendEvent": api.send_event,
    "getActions": api.get_actions,
    "explainEvent": api.explain_event,
    "getHistory": api.get_history,
    "addNote": api.add_note,
    "bulkSend": api_lists.bulk_send,
    "listOutbox": api_lists.list_outbox,
    "retryDeadLetter": api_lists.retry_item,
    "retryDeadLetters": api_lists.retry_all,
    "getStatus": api_lists.get_status,
}


async def health(request: Request) -> Response:
    server: Server = request.app.state.server
    try:
        ok = await run_in_threadpool(server.web.ping)
    except Exception as exc:  # the database is away: say so, do not fail
        log.warning("health check: %s", exc)
        ok = False
    body = {"status": "ok" if ok else "degraded", "database": "ok" if ok else "unreachable"}
    return JSONResponse(body, status_code=200 if ok else 503)


async def openapi(request: Request) -> Response:
    return Response(json.dumps(document()), media_type="application/json")


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = [
        Route("/healthz", health, methods=["GET"]),
        Route("/api/v1/openapi.json", openapi, methods=["GET"]),
    ]
    for method, path, op_id, *_ in OPERATIONS:
        handler = API_HANDLERS.get(op_id)
        if handler is not None:
            out.append(Route(path, api_endpoint(handler), methods=[method.upper()], name=op_id))
    out += [
        Route("/", pages.home, methods=["GET"]),
        Route("/signin", signin.sign_in_form, methods=["GET"]),
        Route("/signin", signin.sign_in_post, methods=["POST"]),
        Route("/signout", signin.sign_out, methods=["POST"]),
        Route("/find", pages.find, methods=["GET"]),
        Route("/charts/{chart}", pages.chart, methods=["GET"]),
        Route("/charts/{chart}/queues/{state}", pages.queue, methods=["GET"]),
        Route("/charts/{chart}/queues/{state}/confirm", pages.confirm, methods=["POST"]),
        Route("/bulk", pages.bulk, methods=["POST"]),
        Route("/instances/{id}", instance_page.instance, methods=["GET"]),
        Route("/instances/{id}/actions", instance_page.act, methods=["POST"]),
        Route("/instances/{id}/notes", instance_page.note, methods=["POST"]),
        Route("/dead-letters", pages.dead_letters, methods=["GET"]),
        Route("/dead-letters/retry", pages.retry, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    return out


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "bad_request")
    problem = Problem(code, f"{request.method} {request.url.path}: {exc.detail}")
    if request.url.path.startswith("/api/"):
        return problem_response(problem, request.url.path)
    return page("error.html", problem.status, who=None, csrf="", problem=problem)


def create_app(config: ServeConfig, server: Server | None = None) -> Starlette:
    """The application; ``server`` is built from ``config`` unless given."""
    state = server or Server(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # the handlers' thread pool, and so the process's database connections, is bounded
        anyio.to_thread.current_default_thread_limiter().total_tokens = config.threads
        yield
        state.close()

    app = Starlette(
        routes=routes(),
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.server = state
    app.add_middleware(SecurityHeaders, extra=config.extra_headers)
    return app
