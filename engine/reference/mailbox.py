"""A mail catcher: a notification transport that keeps every message in a table.

For demos, staging and tests, where no message should leave but every one should be seen
(like MailHog): each message is one row of ``ref_mail``, keyed by its idempotency key, so a
message sent again after a crash is kept once. Several worker processes can share it.
Production sends e-mail through SMTP (``STATEWISE_SMTP_HOST``) instead.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from engine.notify.messages import Message
from engine.reference import tables as t
from engine.reference.db import RefDb, as_utc

__all__ = ["Caught", "Mailbox"]


@dataclass(frozen=True, slots=True)
class Caught:
    """A message the mailbox kept."""

    key: str
    channel: str
    recipients: tuple[str, ...]
    subject: str | None
    body: str
    template: str
    instance_id: str
    sent: datetime


_INSERT = insert(t.mail)


class Mailbox:
    """A :class:`~engine.notify.transports.Transport` for every channel, into ``ref_mail``."""

    def __init__(self, db: RefDb) -> None:
        self.db = db

    def send(self, message: Message, *, idempotency_key: str) -> None:
        row = {
            "key": idempotency_key,
            "channel": message.channel,
            "recipients": "\n".join(message.recipients),
            "subject": message.subject,
            "body": message.body,
            "template": message.template,
            "instance_id": message.instance_id,
            "sent": self.db.now(),
        }
        try:
            with self.db.begin() as conn:
                conn.execute(_INSERT, row)
        except IntegrityError:  # sent before under this key: keep one
            return

    def by_template(self) -> Counter[tuple[str, str]]:
        """How many messages per (channel, template)."""
        with self.db.begin() as conn:
            found = conn.execute(
                select(t.mail.c.channel, t.mail.c.template, func.count()).group_by(
                    t.mail.c.channel, t.mail.c.template
                )
            )
            return Counter({(c, tpl): int(n) for c, tpl, n in found})

    def messages(self, instance_id: str | None = None) -> list[Caught]:
        """The messages kept (of one instance), in the order they were sent."""
        query = select(
            t.mail.c.key,
            t.mail.c.channel,
            t.mail.c.recipients,
            t.mail.c.subject,
            t.mail.c.body,
            t.mail.c.template,
            t.mail.c.instance_id,
            t.mail.c.sent,
        ).order_by(t.mail.c.sent, t.mail.c.key)
        if instance_id is not None:
            query = query.where(t.mail.c.instance_id == instance_id)
        with self.db.begin() as conn:
            return [
                Caught(k, ch, tuple(r.split("\n")) if r else (), s, b, tpl, iid, as_utc(at))
                for k, ch, r, s, b, tpl, iid, at in conn.execute(query)
            ]
