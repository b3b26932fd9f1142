"""How messages leave the engine: the :class:`Transport` port and two simple adapters.

A transport receives an idempotency key with every message: the same key means the same
message (a retried effect), so a transport that can deduplicate should.
"""

from __future__ import annotations

import logging
from typing import Protocol

from engine.notify.messages import Message

__all__ = ["LogTransport", "MemoryTransport", "Transport"]


class Transport(Protocol):
    """Delivers messages of one channel (e-mail, SMS, ...). Raise to report a failure."""

    def send(self, message: Message, *, idempotency_key: str) -> None: ...


class MemoryTransport:
    """Keeps every message in :attr:`sent` (oldest first); repeats of a key are ignored."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.keys: list[str] = []
        self._seen: set[str] = set()

    def send(self, message: Message, *, idempotency_key: str) -> None:
        if idempotency_key in self._seen:
            return
        self._seen.add(idempotency_key)
        self.sent.append(message)
        self.keys.append(idempotency_key)

    def clear(self) -> None:
        self.sent.clear()
        self.keys.clear()


class LogTransport:
    """Writes each message to a :mod:`logging` logger (default ``statewise.notify``)."""

    def __init__(self, logger: logging.Logger | None = None, level: int = logging.INFO) -> None:
        self.logger = logger or logging.getLogger("statewise.notify")
        self.level = level

    def send(self, message: Message, *, idempotency_key: str) -> None:
        self.logger.log(
            self.level,
            "%s to %s [%s, %s]: %s\n%s",
            message.channel,
            ", ".join(message.recipients),
            message.template,
            idempotency_key,
            message.subject or "",
            message.body,
        )
