"""The application of the benchmark's worker processes (``--app bench.worker_app:make``): a
transport that does nothing, so the outbox benchmark measures statewise, not a mail server."""

from __future__ import annotations

from typing import Any


class NullTransport:
    """Accepts every message and drops it."""

    def send(self, message: Any, *, idempotency_key: str) -> None:
        return None


def make() -> dict[str, Any]:
    return {"transports": {"email": NullTransport()}}
