"""What expressions may refer to, by where they sit: a transition's event data, the data of
the events that can enter or leave a state (entry and exit actions), the context alone.

An event's data is what ``events:`` declares for it; task outcomes (``done.invoke.<task>``,
``error.invoke.<task>``) and spawn completions (``done.spawn.<id>``) have theirs too. Several
descriptors (or the several events that can enter a state) give the fields all of them
declare alike.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import replace
from typing import Any

from engine.expr import FunctionRegistry, TypeEnv
from engine.expr.types import (
    INTEGER,
    STRING,
    SYSTEM_EVENT_NAMED,
    SYSTEM_EVENT_TYPE,
    Field,
    RecordType,
)
from engine.loader.declarations import Declarations
from engine.loader.entering import NO_EVENT
from engine.loader.yaml_source import Document
from engine.model import matches

__all__ = ["Environments"]

_ERROR_DATA = RecordType((Field("message", STRING),))
_SPAWN_DATA = RecordType((Field("count", INTEGER),))


def _spawn_ids(data: Any, out: set[str]) -> set[str]:
    """Ids of every `spawn` action in the document (their done events may be used first)."""
    if isinstance(data, dict):
        spec = data.get("spawn")
        if isinstance(spec, dict) and isinstance(spec.get("chart"), str):
            out.add(str(spec.get("id") or spec["chart"]))
        for v in data.values():
            _spawn_ids(v, out)
    elif isinstance(data, list):
        for v in data:
            _spawn_ids(v, out)
    return out


class Environments:
    """The type environments of one chart's expressions."""

    def __init__(
        self,
        doc: Document,
        decl: Declarations,
        states: frozenset[str],
        functions: FunctionRegistry,
    ) -> None:
        self.decl = decl
        self.states = states
        self.functions = functions
        self.event_data: dict[str, RecordType] = {n: d.data for n, d in decl.events.items()}
        self._sorted_events: list[str] | None = None
        for name, task in decl.tasks.items():
            self.event_data[f"done.invoke.{name}"] = task.result
            self.event_data[f"error.invoke.{name}"] = _ERROR_DATA
        for spawn_id in _spawn_ids(doc.data, set()):
            self.event_data[f"done.spawn.{spawn_id}"] = _SPAWN_DATA
        #: the context alone (rules, the chart's initial actions)
        self.base = TypeEnv(context=decl.context, states=states, functions=functions)

    def event_type(self, descriptors: tuple[str, ...]) -> RecordType | None:
        found: list[RecordType] = []
        for d in descriptors:
            matched = self._matching(d)
            if not matched:
                return None
            found.extend(matched)
        if not found:
            return None
        first, *rest = found
        common = tuple(f for f in first.fields if all(r.field(f.name) == f for r in rest))
        return RecordType(common)

    def _matching(self, descriptor: str) -> list[RecordType]:
        """The data types of the declared events ``descriptor`` matches, without scanning
        every event per transition: exact names by lookup, ``p.*`` by a range of the sorted
        names (``p`` and ``p.`` ... ``p/``)."""
        data = self.event_data
        if descriptor == "*":
            return list(data.values())
        if not descriptor.endswith(".*"):
            exact = data.get(descriptor)
            return [] if exact is None else [exact]
        if self._sorted_events is None:
            self._sorted_events = sorted(data)
        names, prefix = self._sorted_events, descriptor[:-2]
        lo, hi = bisect_left(names, prefix + "."), bisect_left(names, prefix + "/")
        found = [data[n] for n in names[lo:hi] if matches(descriptor, n)]
        return ([data[prefix]] if prefix in data else []) + found

    def env(self, descriptors: tuple[str, ...]) -> TypeEnv:
        """What a transition on ``descriptors`` (none: eventless) may refer to."""
        event = self.event_type(descriptors) if descriptors else None
        return TypeEnv(
            context=self.decl.context,
            event=event,
            states=self.states,
            functions=self.functions,
            system_event=SYSTEM_EVENT_NAMED if descriptors else SYSTEM_EVENT_TYPE,
        )

    def flow_env(self, sid: str, events: frozenset[str], what: str) -> TypeEnv:
        """What the entry (``what="enter"``) or exit actions of ``sid`` may refer to: the
        data every event that can enter (or leave) the state declares."""
        name = f"'{sid}'" if sid else "the chart"
        if not events or NO_EVENT in events:
            how = "at the start or by an automatic transition" if what == "enter" else "without one"
            reason = f"{name} can be {what}ed without an event ({how}), so there is no event data"
            return replace(self.base, no_data_reason=reason)
        descriptors = tuple(sorted(events))
        event = self.event_type(descriptors)
        listed = ", ".join(f"'{d}'" for d in descriptors)
        verb = "enter" if what == "enter" else "leave"
        if len(descriptors) == 1:
            who = f"{listed}, the only event that can {verb} {name},"
            no_data, missing = f"{who} declares no data", f"{who} has no field '{{name}}'"
            declares = "it declares"
        else:
            who = f"not every event that can {verb} {name} ({listed})"
            no_data, missing = f"{who} declares data", f"{who} has a field '{{name}}'"
            declares = "all of them declare"
        return replace(
            self.base,
            event=event,
            system_event=SYSTEM_EVENT_NAMED,
            no_data_reason=no_data,
            missing_field=missing + "; {hint}" + declares + ": {fields}",
        )
