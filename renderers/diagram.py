"""The diagram projection: what every renderer draws, built once from a :class:`Chart`.

Extraction (this module) is kept apart from drawing (``dot``, ``mermaid``, ``docs``):
the renderers never walk the chart model themselves, so the DOT and the Mermaid views
agree on what a state and a transition look like (labels, shortened guards, timer text,
who may trigger a manual action).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from engine.model import (
    ROOT,
    Action,
    Assign,
    Cancel,
    Chart,
    HistoryKind,
    If,
    Log,
    Notify,
    Raise,
    Send,
    Spawn,
    StartInstance,
    StartTask,
    State,
    StateKind,
    Transition,
    TransitionKind,
    Trigger,
)

__all__ = [
    "Diagram",
    "DiagramEdge",
    "DiagramNode",
    "EdgeCategory",
    "build_diagram",
    "describe_action",
    "shorten",
]

TIMES = "\u00d7"  # the multiplication sign: "notify(times)2"

#: guards longer than this are shortened on edges (the full text goes in the tooltip)
GUARD_WIDTH = 32


class EdgeCategory(StrEnum):
    """How a transition is drawn: who or what makes it fire."""

    MANUAL = "manual"  # a person's action (an operator screen button)
    INTEGRATION = "integration"  # an event from an integration or an external system
    TIMER = "timer"  # an `after` delay
    TASK = "task"  # the outcome of a task the state invoked
    AUTOMATIC = "automatic"  # eventless (`always`)
    EVENT = "event"  # an internal event (raised, sent by a child, done.state.*)


@dataclass(frozen=True, slots=True)
class DiagramNode:
    """A state as diagrams show it. The root (id ``""``) is a node too: the chart itself."""

    id: str
    name: str
    kind: StateKind
    label: str
    parent: str | None
    children: tuple[str, ...] = ()
    initial: tuple[str, ...] = ()
    depth: int = 0
    order: int = 0  # document order
    description: str | None = None
    queue: str | None = None
    code: str | None = None
    tags: tuple[str, ...] = ()
    terminal: bool = False
    history: HistoryKind | None = None
    invokes: tuple[str, ...] = ()  # task names
    entry: tuple[str, ...] = ()  # one line per action
    exit: tuple[str, ...] = ()

    @property
    def is_cluster(self) -> bool:
        """Drawn as a box around its children (compound and parallel states)."""
        return self.kind in (StateKind.COMPOUND, StateKind.PARALLEL) and bool(self.children)


@dataclass(frozen=True, slots=True)
class DiagramEdge:
    """One transition. ``targets`` is empty for a targetless (internal, action-only) one."""

    id: str  # "t<order>", unique in the chart
    source: str
    targets: tuple[str, ...]
    category: EdgeCategory
    trigger: Trigger
    events: tuple[str, ...] = ()
    event: str = ""  # what starts it, for people: "evt.pending", "done", "after 10m"
    title: str = ""  # the first line of the edge label: manual label, label or event
    guard: str | None = None
    guard_short: str | None = None
    #: the guard in its normal form (spacing, quotes, parentheses), for comparing versions
    guard_norm: str | None = None
    actions: tuple[str, ...] = ()  # one line per action
    actions_short: str = ""  # "notify(times)2, assign"
    manual_label: str | None = None
    roles: tuple[str, ...] = ()
    note_required: bool = False
    timer: str | None = None  # "after 10m", "after 3 open days"
    business_hours: bool = False
    calendar: str | None = None
    internal: bool = False
    label: str | None = None
    description: str | None = None
    order: int = 0

    @property
    def targetless(self) -> bool:
        return not self.targets

    @property
    def tooltip(self) -> str:
        """Everything about the transition, for SVG tooltips and docs."""
        lines = [f"{self.source or '(chart)'} → {', '.join(self.targets) or '(stays)'}"]
        if self.timer:
            lines.append(self.timer + (f" (calendar {self.calendar})" if self.calendar else ""))
        elif self.events:
            lines.append("on " + ", ".join(self.events))
        else:
            lines.append("automatic (always)")
        if self.manual_label:
            who = ", ".join(self.roles) if self.roles else "anyone"
            lines.append(f"manual: {self.manual_label} (roles: {who})")
            if self.note_required:
                lines.append("an audit note is required")
        if self.guard:
            lines.append(f"guard: {self.guard}")
        lines.extend(f"do: {a}" for a in self.actions)
        if self.description:
            lines.append(self.description)
        return "\n".join(lines)


@dataclass(frozen=True)
class Diagram:
    """Nodes (in document order, the root first) and edges (in document order)."""

    chart_id: str
    version: int
    title: str
    nodes: Mapping[str, DiagramNode]
    edges: tuple[DiagramEdge, ...]
    description: str | None = None
    _by_id: Mapping[str, DiagramEdge] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", MappingProxyType(dict(self.nodes)))
        object.__setattr__(self, "_by_id", MappingProxyType({e.id: e for e in self.edges}))

    @property
    def root(self) -> DiagramNode:
        return self.nodes[ROOT]

    def node(self, node_id: str) -> DiagramNode:
        return self.nodes[node_id]

    def edge(self, edge_id: str) -> DiagramEdge:
        return self._by_id[edge_id]

    def children(self, node_id: str) -> tuple[DiagramNode, ...]:
        return tuple(self.nodes[c] for c in self.nodes[node_id].children)

    def ancestors(self, node_id: str) -> Iterator[str]:
        """Proper ancestors, nearest first, ending with the root."""
        parent = self.nodes[node_id].parent
        while parent is not None:
            yield parent
            parent = self.nodes[parent].parent

    def contains(self, outer: str, inner: str) -> bool:
        """True when ``inner`` is ``outer`` or one of its descendants."""
        return inner == outer or outer in self.ancestors(inner)

    def lca(self, a: str, b: str) -> str:
        """The nearest node that contains both ``a`` and ``b``."""
        above = {a, *self.ancestors(a)}
        for candidate in (b, *self.ancestors(b)):
            if candidate in above:
                return candidate
        return ROOT


def shorten(text: str, width: int = GUARD_WIDTH) -> str:
    """``text`` on one line, cut at a word boundary to at most ``width`` characters + "…"."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    cut = flat[:width]
    space = cut.rfind(" ")
    if space >= width * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,.(") + "…"


def describe_action(action: Action) -> str:
    """One line for people: ``notify order_new (email)``, ``assign total, paid``."""
    if isinstance(action, Assign):
        return "assign " + ", ".join(path.text for path, _ in action.items)
    if isinstance(action, If):
        inner = len(action.then) + len(action.otherwise)
        return f"if {action.condition.text}: {inner} action{'s' if inner != 1 else ''}"
    if isinstance(action, Raise):
        return f"raise {action.event}"
    if isinstance(action, Send):
        where = action.target.chart or action.target.kind
        after = f" after {action.delay.text}" if action.delay is not None else ""
        return f"send {action.event} to {where}{after}"
    if isinstance(action, Cancel):
        return f"cancel {action.id}"
    if isinstance(action, Notify):
        return f"notify {action.template} ({action.channel})"
    if isinstance(action, StartTask):
        return f"task {action.task}"
    if isinstance(action, Spawn):
        return f"spawn {action.chart} for each {action.for_each.text}"
    if isinstance(action, StartInstance):
        return f"start {action.chart}"
    assert isinstance(action, Log)
    return "log"


def _action_kind(action: Action) -> str:
    return describe_action(action).split(" ", 1)[0]


def summarize_actions(actions: tuple[Action, ...]) -> str:
    """``notify(times)2, assign``: action kinds in first-seen order with counts."""
    counts: dict[str, int] = {}
    for a in actions:
        kind = _action_kind(a)
        counts[kind] = counts.get(kind, 0) + 1
    return ", ".join(k if n == 1 else f"{k}{TIMES}{n}" for k, n in counts.items())


def _timer_text(t: Transition) -> tuple[str | None, bool, str | None]:
    timer = t.timer
    if timer is None:
        return None, False, None
    calendar = timer.calendar or (timer.calendar_field.text if timer.calendar_field else None)
    if timer.open_days is not None:
        return f"after {timer.open_days.text} open days", True, calendar
    delay = timer.delay.text if timer.delay is not None else "?"
    if calendar is not None:
        return f"after {delay} (business hours)", True, calendar
    return f"after {delay}", False, calendar


def _category(chart: Chart, t: Transition) -> EdgeCategory:
    if t.manual is not None or t.trigger is Trigger.MANUAL:
        return EdgeCategory.MANUAL
    simple = {
        Trigger.TIMER: EdgeCategory.TIMER,
        Trigger.TASK: EdgeCategory.TASK,
        Trigger.ALWAYS: EdgeCategory.AUTOMATIC,
    }
    if t.trigger in simple:
        return simple[t.trigger]
    sources = {str(chart.events[e].source) for e in t.events if e in chart.events}
    if sources & {"integration", "external"}:
        return EdgeCategory.INTEGRATION
    if "manual" in sources:
        return EdgeCategory.MANUAL
    return EdgeCategory.EVENT


def _event_text(state: State, t: Transition, timer: str | None) -> str:
    if timer is not None:
        return timer
    if not t.events:
        return ""
    invoked = {i.task for i in state.invoke}
    out = []
    for e in t.events:
        head, _, task = e.partition(".invoke.")
        if task in invoked and head in ("done", "error"):
            out.append(head)  # the state shows the task it runs
        elif e == f"done.state.{state.id}":
            out.append("when finished")  # its final state (every region's) was reached
        else:
            out.append(e)
    return ", ".join(out)


def _edge(chart: Chart, state: State, t: Transition) -> DiagramEdge:
    timer, business, calendar = _timer_text(t)
    event = _event_text(state, t, timer)
    manual = t.manual
    title = manual.label if manual else (t.label or event)
    if timer is not None and title != timer:
        title = f"{title} ({timer})"  # a labelled timer still says when it fires
    return DiagramEdge(
        id=f"t{t.order}",
        source=state.id,
        targets=t.targets,
        category=_category(chart, t),
        trigger=t.trigger,
        events=t.events,
        event=event,
        title=title,
        guard=t.guard.text if t.guard is not None else None,
        guard_short=shorten(t.guard.text) if t.guard is not None else None,
        guard_norm=t.guard.compiled.text if t.guard is not None else None,
        actions=tuple(describe_action(a) for a in t.actions),
        actions_short=summarize_actions(t.actions),
        manual_label=manual.label if manual else None,
        roles=manual.roles if manual else (),
        note_required=manual.note_required if manual else False,
        timer=timer,
        business_hours=business,
        calendar=calendar,
        internal=t.kind is TransitionKind.INTERNAL,
        label=t.label,
        description=t.description or (manual.description if manual else None),
        order=t.order,
    )


def _node(state: State) -> DiagramNode:
    meta = state.meta
    label = meta.label or (state.name if state.id != ROOT else "")
    return DiagramNode(
        id=state.id,
        name=state.name,
        kind=state.kind,
        label=label,
        parent=state.parent,
        children=state.children,
        initial=state.initial,
        depth=state.depth,
        order=state.order,
        description=meta.description,
        queue=meta.queue,
        code=meta.code,
        tags=meta.tags,
        terminal=meta.terminal,
        history=state.history,
        invokes=tuple(i.task for i in state.invoke),
        entry=tuple(describe_action(a) for a in state.entry),
        exit=tuple(describe_action(a) for a in state.exit),
    )


def build_diagram(chart: Chart) -> Diagram:
    """The projection of ``chart``: one node per state, one edge per transition.

    A history state's default transition is not an edge: its default target is drawn
    as the history node's entry edge by the renderers (``DiagramNode.initial``).
    """
    nodes: dict[str, DiagramNode] = {}
    edges: list[DiagramEdge] = []
    for state in chart.states.values():
        node = _node(state)
        if state.is_history:
            defaults = tuple(t for tr in state.transitions for t in tr.targets)
            node = replace(node, initial=defaults)
        nodes[state.id] = node
        if not state.is_history:
            edges.extend(_edge(chart, state, t) for t in state.transitions)
    return Diagram(
        chart_id=chart.id,
        version=chart.version,
        title=chart.title or chart.id,
        nodes=nodes,
        edges=tuple(edges),
        description=chart.description,
    )
