"""An administrative change of state: an instance put into a state without an event.

No actions run, the context stays, timers follow the states; audited as kind ``forced``
with the mandatory reason (semantics in :func:`engine.service.forcing.forced_snapshot`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from engine.ops.errors import OpsError

if TYPE_CHECKING:
    from engine.service import Engine

__all__ = ["Forced", "force"]


@dataclass(frozen=True, slots=True)
class Forced:
    id: str
    from_states: tuple[str, ...]
    to_states: tuple[str, ...]
    timers: dict[str, datetime]


def force(engine: Engine, instance_id: str, state: str, *, reason: str, actor: str) -> Forced:
    """Force ``instance_id`` into ``state`` (a state name or path of its chart)."""
    from engine.service.forcing import force_state

    if not reason.strip():
        raise OpsError("a forced change needs a reason", "usage")
    before = engine.get(instance_id)
    try:
        after = force_state(engine, instance_id, state, reason=reason, actor=actor)
    except KeyError:
        known = ", ".join(s for s in before.definition.states if s)
        raise OpsError(
            f"chart {before.chart!r} has no state {state!r} (states: {known})", "not_found"
        ) from None
    return Forced(
        instance_id,
        tuple(before.leaf_states),
        tuple(after.leaf_states),
        {t.id: t.due for t in after.timers.values()},
    )
