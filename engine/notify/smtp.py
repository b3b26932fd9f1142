"""E-mail through an SMTP server (the click-and-collect "SMTP Mail Setup" / "Email Account").

Each message gets a ``Message-ID`` derived from its idempotency key, so a message sent again
after a retry carries the same id and mail systems can recognise the duplicate; the key is
also in the ``X-Statewise-Idempotency-Key`` header. Failures raise
:class:`TransportError`, which leaves the outbox item pending for a retry.

**One recipient is one address.** Every recipient must be a single plain address
(``local@domain``); a value such as ``"victim@example.com, attacker@evil.example"``, a
display name, angle brackets or a line break is refused (:class:`InvalidRecipient`) instead
of being re-parsed as a header into several addresses. The envelope recipients are passed
to the server explicitly: nothing is read back from the ``To`` header.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

from engine.errors import StatewiseError
from engine.notify.addresses import address_problem
from engine.notify.messages import Message

__all__ = ["InvalidRecipient", "SmtpTransport", "TransportError", "email_address"]


class TransportError(StatewiseError):
    """A message could not be handed over; the effect stays pending and is retried."""


class InvalidRecipient(TransportError):
    """A recipient is not exactly one plain e-mail address."""


def email_address(value: str) -> str:
    """``value`` if it is exactly one plain address (``local@domain``, at most 254
    characters), else :class:`InvalidRecipient` naming what was wrong."""
    why = address_problem(value)
    if why is not None:
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise InvalidRecipient(
            f"recipient {shown!r} is {why}; expected one address such as ann@example.com "
            "per recipient"
        )
    return value


class SmtpTransport:
    """Sends e-mail through an SMTP server.

    ``security``: ``"none"`` (plain, e.g. a relay on localhost), ``"starttls"`` or
    ``"tls"`` (implicit TLS, usually port 465). Credentials are optional.
    """

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        sender: str,
        security: str = "none",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        domain: str = "statewise.local",
    ) -> None:
        if security not in ("none", "starttls", "tls"):
            raise ValueError("security must be 'none', 'starttls' or 'tls'")
        self.host, self.port, self.sender = host, port, sender
        self.security, self.username, self.password = security, username, password
        self.timeout, self.domain = timeout, domain

    def build(self, message: Message, *, idempotency_key: str) -> EmailMessage:
        """The e-mail as it is sent (exposed for tests and previews)."""
        mail = EmailMessage()
        mail["From"] = self.sender if message.sender is None else email_address(message.sender)
        mail["To"] = [_address(email_address(r)) for r in message.recipients]
        mail["Subject"] = message.subject or message.template
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
        mail["Message-ID"] = f"<{digest}@{self.domain}>"
        mail["X-Statewise-Idempotency-Key"] = idempotency_key
        mail["X-Statewise-Template"] = message.template
        mail["X-Statewise-Instance"] = message.instance_id
        mail.set_content(message.body)
        return mail

    def send(self, message: Message, *, idempotency_key: str) -> None:
        if not message.recipients:
            return
        recipients = [email_address(r) for r in message.recipients]
        mail = self.build(message, idempotency_key=idempotency_key)
        try:
            if self.security == "tls":
                context = ssl.create_default_context()
                with smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=context
                ) as smtp:
                    self._deliver(smtp, mail, recipients)
            else:
                with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                    if self.security == "starttls":
                        smtp.starttls(context=ssl.create_default_context())
                    self._deliver(smtp, mail, recipients)
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportError(
                f"e-mail {idempotency_key} to {', '.join(message.recipients)} via "
                f"{self.host}:{self.port} failed: {exc}"
            ) from exc

    def _deliver(self, smtp: smtplib.SMTP, mail: EmailMessage, recipients: list[str]) -> None:
        if self.username is not None:
            smtp.login(self.username, self.password or "")
        smtp.send_message(mail, to_addrs=recipients)  # the envelope, never re-parsed


def _address(addr: str) -> Address:
    local, _, domain = addr.rpartition("@")
    return Address(username=local, domain=domain)
