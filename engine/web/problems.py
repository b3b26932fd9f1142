"""API errors as problem details (RFC 9457): ``application/problem+json`` with a stable
``code`` (also the last part of ``type``, ``urn:statewise:problem:<code>``).

The operations layer's :class:`~engine.ops.errors.OpsError` kinds map here, once.
docs/api.md lists every code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from engine.ops.errors import OpsError

__all__ = ["CODES", "Problem", "from_ops", "problem_response"]

#: code -> (HTTP status, title)
CODES: dict[str, tuple[int, str]] = {
    "bad_request": (400, "The request is malformed"),
    "unauthorized": (401, "Sign in, or send a valid API token"),
    "forbidden": (403, "Not allowed"),
    "csrf_failed": (403, "The form's security token is missing or wrong"),
    "not_found": (404, "Not found"),
    "method_not_allowed": (405, "Method not allowed"),
    "conflict": (409, "Conflict"),
    "idempotency_in_progress": (409, "A request with this Idempotency-Key is in progress"),
    "payload_too_large": (413, "The request body is too large"),
    "unsupported_media_type": (415, "Expected a JSON body"),
    "refused": (422, "The event was refused"),
    "unprocessable": (422, "The request cannot be done as asked"),
    "idempotency_key_reused": (422, "The Idempotency-Key was used for another request"),
    "rate_limited": (429, "Too many attempts"),
    "internal": (500, "Internal error"),
    "unavailable": (503, "Not possible right now; try again shortly"),
}

_KINDS = {
    "usage": "bad_request",
    "not_found": "not_found",
    "forbidden": "forbidden",
    "conflict": "conflict",
    "problem": "unprocessable",
    "unauthorized": "unauthorized",
    "throttled": "rate_limited",
}


class Problem(Exception):
    """Raised by a handler; rendered as problem details (API) or an error page (console)."""

    def __init__(self, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.code, self.detail, self.extra = code, detail, extra

    @property
    def status(self) -> int:
        return CODES[self.code][0]

    def body(self, instance: str | None = None) -> dict[str, Any]:
        status, title = CODES[self.code]
        out: dict[str, Any] = {
            "type": f"urn:statewise:problem:{self.code}",
            "title": title,
            "status": status,
            "detail": self.detail,
            "code": self.code,
        }
        if instance:
            out["instance"] = instance
        out.update(self.extra)
        return out


def from_ops(exc: OpsError) -> Problem:
    code = exc.code if exc.code in CODES else _KINDS.get(exc.kind, "unprocessable")
    return Problem(code, str(exc))


def problem_response(
    problem: Problem, instance: str | None = None, headers: Mapping[str, str] | None = None
) -> Response:
    extra = dict(headers or {})
    if problem.code == "unauthorized":
        extra.setdefault("WWW-Authenticate", 'Bearer realm="statewise"')
    if problem.code in ("idempotency_in_progress", "rate_limited", "unavailable"):
        extra.setdefault("Retry-After", "2")
    return Response(
        json.dumps(problem.body(instance), default=str),
        status_code=problem.status,
        media_type="application/problem+json",
        headers=extra,
    )
