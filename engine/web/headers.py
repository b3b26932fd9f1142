"""Security headers on every response (an ASGI middleware): a Content-Security-Policy that
allows no inline script or style and nothing from other sites, no framing, no sniffing;
pages and API answers are not cached."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["CSP", "SecurityHeaders"]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_ALWAYS = {
    b"content-security-policy": CSP.encode(),
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"same-origin",
}


class SecurityHeaders:
    def __init__(self, app: Any, extra: Mapping[str, str] | None = None) -> None:
        self.app = app
        self.extra = {k.lower().encode(): v.encode() for k, v in (extra or {}).items()}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() not in _ALWAYS
                ]
                headers += list(_ALWAYS.items()) + list(self.extra.items())
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)
