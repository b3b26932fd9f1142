"""Checking an ``expect`` step against what the engine did, with readable differences.

Each check returns a list of mismatches; a mismatch is a headline plus detail lines
(``- expected`` / ``+ actual``, as in a diff).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from engine.notify.messages import Message
from engine.runtime import EventRefused
from engine.service import Engine, Instance
from engine.store.records import AuditRecord
from engine.testing.values import lookup, same, show

__all__ = ["Mismatch", "Observed", "TaskCall", "check_expectations"]


@dataclass(frozen=True, slots=True)
class Mismatch:
    check: str
    headline: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TaskCall:
    name: str
    input: Mapping[str, Any]
    instance_id: str


@dataclass(slots=True)
class Observed:
    """What the runner saw; ``*_seen`` mark how much earlier checks already consumed."""

    messages: list[Message] = field(default_factory=list)
    messages_seen: int = 0
    calls: list[TaskCall] = field(default_factory=list)
    calls_seen: int = 0
    refusal: EventRefused | None = None


def _set_diff(expected: Sequence[str], actual: Sequence[str]) -> tuple[str, ...]:
    lines = [f"- {e}" for e in expected if e not in actual]
    lines += [f"+ {a}" for a in actual if a not in expected]
    lines += [f"  {a}" for a in actual if a in expected]
    return tuple(lines)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


# -- the checks ---------------------------------------------------------------------------
@dataclass(slots=True)
class _Ctx:
    engine: Engine
    instance: Instance
    observed: Observed
    roles: tuple[str, ...] | None


def _configuration(ctx: _Ctx, expected: Any, subset: bool) -> list[Mismatch]:
    chart = ctx.instance.definition
    wanted: list[str] = []
    for ref in _as_list(expected):
        try:
            wanted.append(chart.resolve(str(ref)))
        except KeyError:
            known = ", ".join(s.name for s in chart.states.values() if s.id)
            return [
                Mismatch("configuration", f"unknown state '{ref}' in {chart.id}; known: {known}")
            ]
    actual = list(ctx.instance.state_ids if subset else ctx.instance.leaf_states)
    if subset:
        missing = [w for w in wanted if w not in actual]
        if not missing:
            return []
        return [
            Mismatch(
                "states",
                f"expected these states to be active: {', '.join(missing)}",
                tuple(f"  active: {a}" for a in ctx.instance.leaf_states),
            )
        ]
    if sorted(wanted) == sorted(actual):
        return []
    return [
        Mismatch(
            "configuration",
            "active leaf states differ (- expected, + actual)",
            _set_diff(wanted, actual),
        )
    ]


def _context(ctx: _Ctx, expected: Any) -> list[Mismatch]:
    out = []
    for path, value in dict(expected).items():
        found, actual = lookup(ctx.instance.context, str(path))
        if not found:
            out.append(
                Mismatch("context", f"context.{path}: expected {show(value)}, but it is not set")
            )
        elif not same(value, actual):
            out.append(
                Mismatch("context", f"context.{path}: expected {show(value)}, got {show(actual)}")
            )
    return out


def _describe_message(m: Message) -> str:
    subject = f' "{m.subject}"' if m.subject else ""
    return f"{m.channel} to {', '.join(m.recipients) or '(nobody)'} [{m.template}]{subject}"


def _message_matches(pattern: Mapping[str, Any], m: Message) -> bool:
    if "channel" in pattern and pattern["channel"] != m.channel:
        return False
    if "template" in pattern and pattern["template"] != m.template:
        return False
    if "to" in pattern and {str(t) for t in _as_list(pattern["to"])} != set(m.recipients):
        return False
    if "subject" in pattern and pattern["subject"] != m.subject:
        return False
    if any(str(s) not in m.text for s in _as_list(pattern.get("contains", []))):
        return False
    return not any(str(s) in m.text for s in _as_list(pattern.get("excludes", [])))


T = TypeVar("T")


def _pair_up(
    patterns: Iterable[Any], items: Iterable[T], matches: Callable[[Any, T], bool]
) -> tuple[list[Any], list[T]]:
    """Give each pattern the first item it matches; return the patterns left without one
    and the items no pattern took."""
    unused = list(items)
    missing = []
    for pattern in patterns:
        hit = next((item for item in unused if matches(pattern, item)), None)
        if hit is None:
            missing.append(pattern)
        else:
            unused.remove(hit)
    return missing, unused


def _notifications(ctx: _Ctx, expected: Any) -> list[Mismatch]:
    obs = ctx.observed
    fresh = obs.messages[obs.messages_seen :]
    obs.messages_seen = len(obs.messages)
    unmatched, unused = _pair_up(expected, fresh, _message_matches)
    if not unmatched and not unused:
        return []
    details = [f"- {show(p)}" for p in unmatched] + [f"+ {_describe_message(m)}" for m in unused]
    for m in unused:
        details.append(f"    text: {m.text!r}")
    return [
        Mismatch(
            "notifications",
            f"notifications sent since the last check differ ({len(fresh)} sent; "
            "- expected but not sent, + sent but not expected)",
            tuple(details),
        )
    ]


def _manual_actions(ctx: _Ctx, expected: Any) -> list[Mismatch]:
    actions = ctx.engine.available_events(ctx.instance.id, roles=ctx.roles)
    wanted = [str(e) for e in _as_list(expected)]
    names = [a.label for a in actions]
    matched = {w for w in wanted for a in actions if w in (a.label, a.event)}
    extra = [a for a in actions if a.label not in wanted and a.event not in wanted]
    if len(matched) == len(wanted) and not extra:
        return []
    details = [f"- {w}" for w in wanted if w not in matched]
    details += [f"+ {a.label} ({a.event})" for a in extra]
    details += [f"  {n}" for n in names if n in matched]
    return [
        Mismatch("manual_actions", "manual actions differ (- expected, + offered)", tuple(details))
    ]


def _render_audit(
    record: AuditRecord, fields: Sequence[str] | None, leaf: Callable[[str], str]
) -> str:
    parts = []
    show_all = fields is None
    fields = fields or ()
    if show_all or "kind" in fields or "event" in fields:
        parts.append(record.event or record.kind)
    if show_all or "from" in fields:
        parts.append("[" + ", ".join(leaf(s) for s in record.from_configuration) + "] ->")
    if show_all or "to" in fields:
        parts.append("[" + ", ".join(leaf(s) for s in record.to_configuration) + "]")
    for name in ("actor", "note", "client_note"):
        value = getattr(record, name)
        if (show_all and value) or name in fields:
            parts.append(f"{name}={value!r}")
    return " ".join(parts)


def _render_pattern(pattern: Any) -> str:
    if isinstance(pattern, str):
        return pattern
    parts = [str(pattern.get("event") or pattern.get("kind", ""))]
    if "from" in pattern:
        parts.append("[" + ", ".join(map(str, _as_list(pattern["from"]))) + "] ->")
    if "to" in pattern:
        parts.append("[" + ", ".join(map(str, _as_list(pattern["to"]))) + "]")
    for name in ("actor", "note", "client_note"):
        if name in pattern:
            parts.append(f"{name}={pattern[name]!r}")
    return " ".join(p for p in parts if p)


def _history(ctx: _Ctx, expected: Any) -> list[Mismatch]:
    chart = ctx.instance.definition
    records = ctx.engine.history(ctx.instance.id)
    wants_logs = any(
        p == "log" or (isinstance(p, Mapping) and p.get("kind") == "log") for p in expected
    )
    if not wants_logs:  # log lines are only compared when the expectation lists some
        records = tuple(r for r in records if r.kind != "log")

    def leaf(state_id: str) -> str:
        return chart.states[state_id].name

    def matches(pattern: Any, r: AuditRecord) -> bool:
        if isinstance(pattern, str):
            return pattern in (r.event, r.kind)
        if "event" in pattern and pattern["event"] != r.event:
            return False
        if "kind" in pattern and pattern["kind"] != r.kind:
            return False
        for key, conf in (("from", r.from_configuration), ("to", r.to_configuration)):
            if key in pattern:
                try:
                    ids = {chart.resolve(str(s)) for s in _as_list(pattern[key])}
                except KeyError:
                    return False
                if ids != set(conf):
                    return False
        return all(
            pattern[n] == getattr(r, n) for n in ("actor", "note", "client_note") if n in pattern
        )

    if len(records) == len(expected) and all(map(matches, expected, records)):
        return []
    details = []
    for i in range(max(len(records), len(expected))):
        pattern = expected[i] if i < len(expected) else None
        record = records[i] if i < len(records) else None
        if pattern is not None and record is not None and matches(pattern, record):
            details.append(f"  {_render_pattern(pattern)}")
            continue
        if pattern is not None:
            details.append(f"- {_render_pattern(pattern)}")
        if record is not None:
            fields = None if isinstance(pattern, str) or pattern is None else list(pattern)
            details.append(f"+ {_render_audit(record, fields, leaf)}")
    return [Mismatch("history", "history differs (- expected, + recorded)", tuple(details))]


def _tasks(ctx: _Ctx, expected: Any) -> list[Mismatch]:
    obs = ctx.observed
    fresh = obs.calls[obs.calls_seen :]
    obs.calls_seen = len(obs.calls)

    def matches(pattern: Any, call: TaskCall) -> bool:
        if isinstance(pattern, str):
            return pattern == call.name
        if pattern.get("name", call.name) != call.name:
            return False
        wanted = pattern.get("input") or {}
        return all(same(v, lookup(call.input, str(k))[1]) for k, v in wanted.items())

    if len(fresh) == len(expected) and all(map(matches, expected, fresh)):
        return []
    details = [f"- {show(p)}" for p in expected]
    details += [f"+ {c.name} {show(dict(c.input))}" for c in fresh]
    return [Mismatch("tasks", "tasks called since the last check differ", tuple(details))]


def _timers(ctx: _Ctx, expected: Any) -> list[Mismatch]:
    """Pending timers by event (or id); a mapping entry may also give the ``due`` time."""
    timers = list(ctx.instance.timers.values())
    wanted = _as_list(expected)

    def matches(pattern: Any, t: Any) -> bool:
        if isinstance(pattern, Mapping):
            name = pattern.get("event", pattern.get("id"))
            if name is not None and name not in (t.event, t.id):
                return False
            return "due" not in pattern or same(str(pattern["due"]), t.due)
        return str(pattern) in (t.event, t.id)

    missing, unused = _pair_up(wanted, timers, matches)
    if not missing and not unused:
        return []
    details = [f"- {show(p)}" for p in missing]
    details += [f"+ {t.event} due {show(t.due)}" for t in unused]
    return [Mismatch("timers", "pending timers differ (- expected, + pending)", tuple(details))]


def _refused(ctx: _Ctx, expected: Any, reason: Any) -> list[Mismatch]:
    refusal = ctx.observed.refusal
    if bool(expected) != (refusal is not None):
        what = "refused" if expected else "accepted"
        got = f"refused: {refusal}" if refusal is not None else "accepted"
        return [Mismatch("refused", f"expected the previous event to be {what}, but it was {got}")]
    if refusal is None or reason is None:
        return []
    texts = (
        [b.code for b in refusal.blockers] + [b.message for b in refusal.blockers] + [str(refusal)]
    )
    if any(str(reason) in t for t in texts):
        return []
    details = tuple(f"+ {b.code}: {b.message}" for b in refusal.blockers)
    return [Mismatch("reason", f"the refusal does not mention {reason!r}", details)]


def check_expectations(
    checks: Mapping[str, Any],
    engine: Engine,
    instance: Instance,
    observed: Observed,
    roles: tuple[str, ...] | None = None,
) -> list[Mismatch]:
    """Run every check of an ``expect`` step; an empty list means it holds."""
    ctx = _Ctx(engine, instance, observed, roles)
    out: list[Mismatch] = []
    for name, expected in checks.items():
        if name == "configuration":
            out += _configuration(ctx, expected, subset=False)
        elif name == "states":
            out += _configuration(ctx, expected, subset=True)
        elif name == "context":
            out += _context(ctx, expected)
        elif name == "notifications":
            out += _notifications(ctx, expected)
        elif name == "manual_actions":
            out += _manual_actions(ctx, expected)
        elif name == "history":
            out += _history(ctx, expected)
        elif name == "tasks":
            out += _tasks(ctx, expected)
        elif name == "timers":
            out += _timers(ctx, expected)
        elif name == "done" and instance.done is not expected:
            out.append(
                Mismatch("done", f"expected done: {show(expected)}, got {show(instance.done)}")
            )
        elif name == "status" and instance.status != expected:
            out.append(Mismatch("status", f"expected status {expected!r}, got {instance.status!r}"))
        elif name == "refused":
            out += _refused(ctx, expected, checks.get("reason"))
        elif name == "reason" and "refused" not in checks:
            out += _refused(ctx, True, expected)
    return out
