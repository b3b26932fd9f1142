"""A rendered notification, ready for a transport."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Message"]


@dataclass(frozen=True, slots=True)
class Message:
    """One notification: who gets it, on which channel, and its rendered text.

    ``template`` names the chart template it was rendered from; ``instance_id`` the
    instance whose step asked for it; ``sender`` the e-mail sender's address chosen by
    the chart (a store's own account), None for the transport's own.
    """

    channel: str
    recipients: tuple[str, ...]
    subject: str | None
    body: str
    template: str
    instance_id: str
    sender: str | None = None

    @property
    def text(self) -> str:
        """Subject and body together (what ``contains`` checks in scenarios look at)."""
        return f"{self.subject}\n{self.body}" if self.subject else self.body
