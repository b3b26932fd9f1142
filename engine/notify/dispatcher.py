"""``NotifyRequested`` effects -> rendered :class:`Message` -> the channel's transport.

Rendering uses :func:`engine.notify.templates.render` (jinja2, sandboxed, strict). The
variables are those the runtime put on the effect (context, ``event``, the notify action's
``data``); ``instance`` (``id``, ``key``, ``chart``) is added when missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.errors import StatewiseError
from engine.notify.addresses import address_problem
from engine.notify.messages import Message
from engine.notify.transports import Transport

if TYPE_CHECKING:
    from engine.model import Chart
    from engine.runtime import InstanceInfo, NotifyRequested

__all__ = ["Dispatcher", "NotificationError"]


class NotificationError(StatewiseError):
    """A notification could not be rendered or handed to its transport."""


class Dispatcher:
    """Renders notifications and hands them to the transport registered for their channel."""

    def __init__(self, transports: Mapping[str, Transport] | None = None) -> None:
        self.transports: dict[str, Transport] = dict(transports or {})

    @property
    def channels(self) -> frozenset[str]:
        return frozenset(self.transports)

    def render(self, effect: NotifyRequested, chart: Chart, instance: InstanceInfo) -> Message:
        decl = chart.templates.get(effect.template)
        if decl is None:
            raise NotificationError(
                f"chart {chart.id!r} has no template {effect.template!r}; "
                f"expected one of: {', '.join(sorted(chart.templates)) or '(none)'}"
            )
        variables: dict[str, Any] = dict(effect.variables)
        variables.setdefault(
            "instance", {"id": instance.id, "key": instance.key, "chart": instance.chart}
        )
        from engine.notify.templates import render

        try:
            subject, body = render(decl, variables)
        except Exception as exc:  # jinja2's errors, and what the template's operations raise
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise NotificationError(
                f"template {effect.template!r} of chart {chart.id!r} failed to render: {reason}"
            ) from exc
        channel = effect.channel or decl.channel or "email"
        sender = effect.sender
        if sender is not None:
            why = address_problem(sender)
            if why is not None:
                shown = sender if len(sender) <= 80 else sender[:77] + "..."
                raise NotificationError(
                    f"template {effect.template!r} of chart {chart.id!r}: the sender {shown!r} "
                    f"is {why}; expected one address such as shop@example.com"
                )
        return Message(
            channel, tuple(effect.recipients), subject, body, decl.name, instance.id, sender
        )

    def dispatch(
        self,
        effect: NotifyRequested,
        chart: Chart,
        instance: InstanceInfo,
        *,
        idempotency_key: str,
    ) -> Message:
        """Render and send; a transport's exception is raised as :class:`NotificationError`."""
        message = self.render(effect, chart, instance)
        transport = self.transports.get(message.channel)
        if transport is None:
            raise NotificationError(
                f"no transport for channel {message.channel!r} "
                f"(registered: {', '.join(sorted(self.transports)) or 'none'})"
            )
        try:
            transport.send(message, idempotency_key=idempotency_key)
        except Exception as exc:
            raise NotificationError(
                f"transport for {message.channel!r} failed to send {message.template!r} "
                f"to {', '.join(message.recipients)}: {type(exc).__name__}: {exc}"
            ) from exc
        return message
