"""The ``notify`` action: which template (named, or chosen as data), to whom (after the
chart's notification policy: sent, suppressed or redirected), from which sender, with which
variables. What the policy did, and a choice of no template, go into the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.model import NotificationPolicy, Notify
from engine.model.policy import ANY
from engine.runtime.effects import LogEntry, NotifyRequested
from engine.runtime.run import Run

__all__ = ["notify_action"]


def _recipients(values: list[Any]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if item is None or item == "":
                continue
            text = str(item)
            if text not in out:
                out.append(text)
    return tuple(out)


def notify_action(action: Notify) -> Callable[[Run], None]:
    template, channel, to, data = action.template, action.channel, action.to, action.data
    chosen, sender = action.template_from, action.sender

    def notify(run: Run) -> None:
        scope = run.scope
        name = template
        if chosen is not None:
            value = chosen.compiled.fn(scope)
            if value is None or value == "":
                run.effects.append(
                    LogEntry(f"notification not sent: `{chosen.text}` chooses no template")
                )
                return
            name = str(value)
        recipients: tuple[str, ...] | None = _recipients([e.compiled.fn(scope) for e in to])
        policy = run.tables.chart.notification_policy
        if policy is not None:
            recipients = _apply_policy(run, policy, name, recipients or ())
        if recipients is None:
            return
        instance = run.instance
        variables: dict[str, Any] = dict(scope.context)
        variables["event"] = dict(scope.event)
        variables["_event"] = scope.system_event()
        variables["instance"] = {"id": instance.id, "key": instance.key, "chart": instance.chart}
        variables.update({key: expr.compiled.fn(scope) for key, expr in data})
        origin = None
        if sender is not None:
            found = sender.compiled.fn(scope)
            origin = None if found is None or found == "" else str(found)
        run.effects.append(NotifyRequested(name, channel, recipients, variables, origin))

    return notify


def _apply_policy(
    run: Run, policy: NotificationPolicy, name: str, recipients: tuple[str, ...]
) -> tuple[str, ...] | None:
    """The recipients the notification policy leaves (None: suppressed); what it did is
    written into the audit trail."""
    key = policy.scope.compiled.fn(run.scope)
    found = policy.rule(None if key is None or key == "" else str(key), name)
    if found is None or found[1].action == "send":
        return recipients
    matched, rule = found
    where = "every scope" if matched == ANY else f"scope '{matched}'"
    why = f": {rule.reason}" if rule.reason else ""
    if rule.action == "suppress":
        run.effects.append(
            LogEntry(
                f"notification '{name}' suppressed by the notification policy for {where}{why}"
            )
        )
        return None
    run.effects.append(
        LogEntry(
            f"notification '{name}' redirected by the notification policy for {where} "
            f"to {', '.join(rule.to)} instead of {', '.join(recipients) or 'nobody'}{why}"
        )
    )
    return rule.to
