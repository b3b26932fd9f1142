"""What one server process holds: the store, the charts, an engine per worker thread, the
laid-out diagrams, the session signer and the sign-in rate limiter.

Starlette runs the (synchronous) handlers on a thread pool. The store is thread-safe (a
connection per thread); an :class:`~engine.service.Engine` keeps per-call work queues, so
each thread gets its own engine over the shared store.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections import deque
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from engine.web.config import ServeConfig
from engine.web.sessions import Signer

if TYPE_CHECKING:
    from engine.model import Chart
    from engine.ops.auth import Principal
    from engine.service import Engine
    from engine.store.sql import TokenRow
    from renderers import Diagram

__all__ = ["RateLimiter", "Server"]


class RateLimiter:
    """At most ``per_minute`` events per key (a client address) in any 60 seconds."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        t = time.monotonic() if now is None else now
        with self._lock:
            if len(self._seen) > 10_000:  # bounded: forget quiet addresses
                self._seen = {k: v for k, v in self._seen.items() if v and t - v[-1] < 60}
            seen = self._seen.setdefault(key, deque())
            while seen and t - seen[0] >= 60:
                seen.popleft()
            if len(seen) >= self.per_minute:
                return False
            seen.append(t)
            return True


class Server:
    """The process-wide state of ``statewise serve`` (built once, at start-up)."""

    def __init__(self, config: ServeConfig) -> None:
        from engine.ops.queues import columns_of
        from engine.ops.setup import load_app, load_definitions, open_store
        from engine.store.sql import WebStore

        self.config = config
        self.app = load_app(config.app)
        self.charts: list[Chart] = load_definitions(config.definitions, self.app.functions)
        self.columns = {(c.id, c.version): columns_of(c) for c in self.charts}
        self.store = open_store(config.db)
        self.web = WebStore(self.store)
        key = config.secret or os.environ.get("STATEWISE_SECRET_KEY")
        if not key:
            key = self.web.secret("session-signing", secrets.token_hex(32), datetime.now(UTC))
        self.signer = Signer(key.encode(), config.session_hours * 3600)
        self.limiter = RateLimiter(config.sign_in_per_minute)
        from engine.ops.auth import TokenCache

        #: verified API tokens: (token row, principal), for ``token_cache_seconds``
        self.tokens: TokenCache[tuple[TokenRow, Principal]] = TokenCache(config.token_cache_seconds)
        self._local = threading.local()
        self._svg: dict[tuple[str, int], str] = {}
        self._diagrams: dict[tuple[str, int], Diagram] = {}
        self._lock = threading.Lock()
        self.engine()  # registers the chart versions now: a conflict stops the start

    def engine(self) -> Engine:
        """This thread's engine (commits steps, leaves effects to the workers)."""
        found: Engine | None = getattr(self._local, "engine", None)
        if found is None:
            from engine.ops.setup import deferred_engine

            found = self._local.engine = deferred_engine(
                self.store, self.charts, self.app.functions
            )
        return found

    def chart(self, chart_id: str, version: int | None = None) -> Chart | None:
        found = [c for c in self.charts if c.id == chart_id]
        if version is not None:
            found = [c for c in found if c.version == version]
        return max(found, key=lambda c: c.version) if found else None

    def diagram(self, chart: Chart) -> Diagram:
        """The chart's diagram projection (built once per chart version)."""
        key = (chart.id, chart.version)
        found = self._diagrams.get(key)
        if found is None:
            from renderers import build_diagram

            found = self._diagrams[key] = build_diagram(chart)
        return found

    def svg(self, chart: Chart) -> str:
        """The chart laid out once (``dot``) as an inline SVG, for overlays."""
        key = (chart.id, chart.version)
        found = self._svg.get(key)
        if found is None:
            from html import escape

            from renderers import RenderError
            from renderers.live import live_svg

            try:
                found = live_svg(self.diagram(chart))
            except RenderError as exc:  # no dot: the page still works, without the picture
                return f'<p class="muted">No diagram: {escape(str(exc))}</p>'

            with self._lock:
                self._svg[key] = found
        return found

    def close(self) -> None:
        self.store.close()
