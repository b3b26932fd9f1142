"""The notification policy: configuration data, kept beside the chart, deciding per scope
(a shop, a store: whatever the chart's ``notification_policy.scope`` expression gives) how
each notification goes out: as the chart says, suppressed, or to other recipients."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.model.expression import Expression
from engine.source import Span

__all__ = ["ANY", "NotificationPolicy", "PolicyRule"]

#: the scope key or template name a rule applies to when no rule names it exactly
ANY = "*"


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """What becomes of one notification: ``send`` (as the chart says), ``suppress`` (nothing
    is sent; ``reason`` is recorded) or ``redirect`` (sent to ``to`` instead of the chart's
    recipients, e.g. a shop's alternative mailing list)."""

    action: str  # "send" | "suppress" | "redirect"
    to: tuple[str, ...] = ()
    reason: str | None = None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class NotificationPolicy:
    """``rules[scope key][template name]``; ``*`` stands for any scope or any template."""

    file: str
    scope: Expression
    rules: Mapping[str, Mapping[str, PolicyRule]]
    span: Span | None = None

    def rule(self, scope_key: str | None, template: str) -> tuple[str, PolicyRule] | None:
        """(the scope key that matched, its rule) for ``template`` in ``scope_key``: an
        exact scope before ``*``, within it an exact template before ``*``; None: send."""
        keys = (ANY,) if scope_key is None else (scope_key, ANY)
        for key in keys:
            found = self.rules.get(key)
            if found is None:
                continue
            rule = found.get(template) or found.get(ANY)
            if rule is not None:
                return key, rule
        return None
