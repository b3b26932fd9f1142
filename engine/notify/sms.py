"""Text messages through an SMS gateway's HTTP API.

SMS gateways (the click-and-collect "SMS Setup") take a JSON POST per message. This
transport posts ``{"to", "text", "sender", "idempotency_key"}`` (field names configurable)
with an optional bearer token, and treats any 2xx answer as accepted. A gateway that
deduplicates on the idempotency key makes retries harmless. Standard library only.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from engine.notify.messages import Message
from engine.notify.smtp import TransportError

__all__ = ["HttpSmsTransport"]


class HttpSmsTransport:
    """POSTs one request per recipient to ``url``."""

    def __init__(
        self,
        url: str,
        *,
        sender: str | None = None,
        token: str | None = None,
        timeout: float = 10.0,
        to_field: str = "to",
        text_field: str = "text",
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("the SMS gateway URL must start with http:// or https://")
        self.url, self.sender, self.token, self.timeout = url, sender, token, timeout
        self.to_field, self.text_field = to_field, text_field

    def send(self, message: Message, *, idempotency_key: str) -> None:
        for i, number in enumerate(message.recipients):
            key = idempotency_key if len(message.recipients) == 1 else f"{idempotency_key}/{i}"
            payload = {
                self.to_field: number,
                self.text_field: message.body,
                "sender": self.sender,
                "idempotency_key": key,
            }
            request = urllib.request.Request(
                self.url,
                data=json.dumps(payload).encode(),
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "Idempotency-Key": key,
                    **({"Authorization": f"Bearer {self.token}"} if self.token else {}),
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                    status = answer.status
            except urllib.error.HTTPError as exc:
                raise TransportError(
                    f"SMS {key} to {number}: the gateway answered {exc.code} {exc.reason}"
                ) from exc
            except (OSError, urllib.error.URLError) as exc:
                raise TransportError(f"SMS {key} to {number}: {exc}") from exc
            if not 200 <= status < 300:
                raise TransportError(f"SMS {key} to {number}: the gateway answered {status}")
