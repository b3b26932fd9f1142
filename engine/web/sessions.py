"""Sessions in a signed cookie: who signed in, their session epoch, and the CSRF token.

The cookie is ``base64url(JSON) "." base64url(HMAC-SHA256)``, HttpOnly, SameSite=Lax,
Secure when configured. Nothing secret is in it (only the user's name and the CSRF token,
which the pages show anyway); the signature stops anyone from making one up. A session
ends after ``session_hours``, or at once when the user's password changes (the epoch in
the cookie no longer matches the database).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

__all__ = ["COOKIE", "PRE_COOKIE", "Session", "Signer"]

COOKIE = "sw_session"
#: before signing in: the CSRF token of the sign-in form
PRE_COOKIE = "sw_presession"


@dataclass(frozen=True, slots=True)
class Session:
    user: str
    epoch: int
    csrf: str
    issued: float

    @classmethod
    def new(cls, user: str, epoch: int) -> Session:
        return cls(user, epoch, secrets.token_urlsafe(24), time.time())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs and checks cookie values with one key."""

    def __init__(self, key: bytes, max_age: float) -> None:
        self._key = key
        self.max_age = max_age

    def _mac(self, purpose: str, payload: str) -> str:
        return _b64(hmac.new(self._key, f"{purpose}:{payload}".encode(), hashlib.sha256).digest())

    def sign(self, purpose: str, value: Any) -> str:
        payload = _b64(json.dumps(value, separators=(",", ":")).encode())
        return f"{payload}.{self._mac(purpose, payload)}"

    def unsign(self, purpose: str, text: str | None) -> Any:
        """The value, or None when the text is missing, altered or too old."""
        if not text or text.count(".") != 1:
            return None
        payload, mac = text.split(".")
        if not hmac.compare_digest(mac, self._mac(purpose, payload)):
            return None
        try:
            return json.loads(_unb64(payload))
        except ValueError:
            return None

    def session(self, text: str | None) -> Session | None:
        data = self.unsign("session", text)
        if not isinstance(data, dict):
            return None
        try:
            found = Session(str(data["u"]), int(data["e"]), str(data["c"]), float(data["t"]))
        except (KeyError, TypeError, ValueError):
            return None
        if time.time() - found.issued > self.max_age:
            return None
        return found

    def session_cookie(self, s: Session) -> str:
        return self.sign("session", {"u": s.user, "e": s.epoch, "c": s.csrf, "t": s.issued})
