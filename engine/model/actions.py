"""Actions: what runs on entry, on exit and while a transition is taken. Data only."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from engine.model.expression import Expression
from engine.source import Span

__all__ = [
    "Action",
    "Assign",
    "Cancel",
    "If",
    "Log",
    "Notify",
    "Raise",
    "Send",
    "SendTarget",
    "Spawn",
    "StartInstance",
    "StartTask",
    "walk_actions",
]


@dataclass(frozen=True, slots=True)
class Assign:
    """Set context paths: ``assign: {path: expr, ...}``, applied in order."""

    items: tuple[tuple[Expression, Expression], ...]  # (target path, value)
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class If:
    condition: Expression
    then: tuple[Action, ...]
    otherwise: tuple[Action, ...] = ()
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Raise:
    """An internal event, processed before the next external one."""

    event: str
    data: tuple[tuple[str, Expression], ...] = ()
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class SendTarget:
    """Where a ``send`` goes: ``self``, ``parent``, ``children`` or ``related`` (chart + key)."""

    kind: str  # "self" | "parent" | "children" | "related"
    chart: str | None = None
    key: Expression | None = None
    chart_span: Span | None = None


@dataclass(frozen=True, slots=True)
class Send:
    event: str
    target: SendTarget
    delay: Expression | None = None
    id: str | None = None
    data: tuple[tuple[str, Expression], ...] = ()
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Cancel:
    """Cancel a delayed ``send`` by its id."""

    id: str
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Notify:
    """Render a template and send it.

    ``template`` names the template, or (with ``template_from``, an expression whose value
    names it, chosen as data) shows that expression for people. ``choices`` are the
    templates the action may render: the one named, the values of an enum-typed choice,
    or every template of the chart. ``sender`` is the e-mail sender's address (an
    expression), or None for the transport's own.
    """

    template: str
    channel: str  # "email" | "sms"
    to: tuple[Expression, ...]
    data: tuple[tuple[str, Expression], ...] = ()
    span: Span | None = None
    template_from: Expression | None = None
    choices: tuple[str, ...] = ()
    sender: Expression | None = None


@dataclass(frozen=True, slots=True)
class StartTask:
    """Ask the application to run a named task; its outcome comes back as an event."""

    task: str
    input: tuple[tuple[str, Expression], ...] = ()
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Spawn:
    """Start one child instance of ``chart`` per item of ``for_each``."""

    id: str
    chart: str
    for_each: Expression
    item_name: str
    context: tuple[tuple[str, Expression], ...] = ()
    key: Expression | None = None
    span: Span | None = None
    chart_span: Span | None = None


@dataclass(frozen=True, slots=True)
class StartInstance:
    """Start a new, independent instance of another chart (linked as related, not a child)."""

    chart: str
    key: Expression | None = None
    context: tuple[tuple[str, Expression], ...] = ()
    span: Span | None = None
    chart_span: Span | None = None


@dataclass(frozen=True, slots=True)
class Log:
    message: Expression
    span: Span | None = None


Action = Assign | If | Raise | Send | Cancel | Notify | StartTask | Spawn | StartInstance | Log


def walk_actions(actions: Iterable[Action]) -> Iterator[Action]:
    """Every action of a list, depth first, the branches of ``if`` included."""
    for a in actions:
        yield a
        if isinstance(a, If):
            yield from walk_actions(a.then)
            yield from walk_actions(a.otherwise)
