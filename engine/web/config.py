"""How ``statewise serve`` is configured (command-line options, or a test's arguments)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ServeConfig"]


@dataclass(frozen=True, slots=True)
class ServeConfig:
    """``db`` and ``definitions`` as for the other commands; ``app`` the ``--app`` hook.

    ``secret``: the key sessions are signed with (default: ``STATEWISE_SECRET_KEY``, else a
    key made once and kept in the database, so every process and restart shares it).
    ``secure_cookies``: cookies only over HTTPS (set it behind a TLS proxy).
    ``trusted_header``: the header a company SSO proxy puts the signed-in user's name in
    (off by default); it is believed only from ``trusted_proxies``; the user's roles come
    from ``trusted_roles_header`` (comma-separated) when given, else from the users table.
    ``token_cache_seconds``: how long a process trusts an API token it verified (a revoked
    token works that long at most; 0: verify every request).
    ``threads``: how many requests the process works on at once (the handlers run on a pool
    of this many threads, and each thread holds at most one database connection).
    """

    db: str
    definitions: str
    app: str | None = None
    secret: str | None = None
    secure_cookies: bool = False
    session_hours: float = 12.0
    trusted_header: str | None = None
    trusted_roles_header: str | None = None
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    #: sign-in attempts one address may make per minute
    sign_in_per_minute: int = 10
    max_body: int = 1_000_000
    token_cache_seconds: float = 5.0
    page_size: int = 50
    threads: int = 16
    extra_headers: dict[str, str] = field(default_factory=dict)
