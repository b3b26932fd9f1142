"""Text messages through an SMS gateway's HTTP API.

SMS gateways (the click-and-collect "SMS Setup") take a JSON POST per message. This
transport posts ``{"to", "text", "sender", "idempotency_key"}`` (field names configurable)
with an optional bearer token, and treats any 2xx answer as accepted. A gateway that
deduplicates on the idempotency key makes retries harmless. Standard library only.

Each recipient is posted as one value, and must be one: a value with a separator (``,``
``;``) or a control character (a line break), or an empty one, is refused
(:class:`~engine.notify.smtp.InvalidRecipient`) before anything is posted, so a gateway
cannot split it into several numbers.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

from engine.notify.messages import Message
from engine.notify.smtp import InvalidRecipient, TransportError

__all__ = ["HttpSmsTransport", "single_recipient"]

_SEVERAL = re.compile(r"[,;\x00-\x1f\x7f]")


def single_recipient(value: str) -> str:
    """``value`` if it is one recipient (no separator, no control character, at most 254
    characters), else :class:`InvalidRecipient`."""
    if not value.strip() or len(value) > 254 or _SEVERAL.search(value):
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise InvalidRecipient(
            f"recipient {shown!r} is not one recipient; expected one phone number such as "
            "+45 12 34 56 78 per recipient"
        )
    return value


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
        numbers = [single_recipient(r) for r in message.recipients]  # all checked before any post
        for i, number in enumerate(numbers):
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
