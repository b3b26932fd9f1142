"""Why would an event be taken or refused by an instance now? The explanation as data.

:func:`explain` asks the engine (nothing changes); ``str()`` of the result is the text
people read (``statewise explain``), :func:`explanation_data` the plain data tools read
(``statewise explain --json``, the HTTP API): the event, the verdict, every candidate
transition with its state, its blockers and its guard clause by clause with the values read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from engine.errors import EvaluationError

if TYPE_CHECKING:
    from engine.runtime import Explanation
    from engine.service import Engine

__all__ = ["explain", "explanation_data"]


def explain(
    engine: Engine,
    instance_id: str,
    event: str,
    data: Mapping[str, Any] | None = None,
    *,
    roles: Iterable[str] | None = None,
    actor: str | None = None,
    note: str | None = None,
) -> Explanation:
    """What ``event`` would do to the instance now (see ``Engine.explain``)."""
    return engine.explain(instance_id, event, data, roles=roles, actor=actor, note=note)


def explanation_data(e: Explanation) -> dict[str, Any]:
    """The explanation as plain data (JSON-ready apart from the values' own types)."""
    verdict = "taken" if e.accepted else "ignored" if e.ignored else "refused"
    return {
        "event": e.event,
        "verdict": verdict,
        "text": str(e),
        "blockers": [{"code": b.code, "message": b.message} for b in e.blockers],
        "candidates": [
            {
                "transition": c.transition.describe(),
                "source": c.transition.source,
                "targets": list(c.transition.targets),
                "line": c.transition.span.line if c.transition.span else None,
                "source_active": c.source_active,
                "taken": c.taken,
                "blockers": [{"code": b.code, "message": b.message} for b in c.blockers],
                "clauses": [
                    {
                        "text": cl.text,
                        "result": (None if isinstance(cl.result, EvaluationError) else cl.result),
                        "error": (
                            cl.result.reason if isinstance(cl.result, EvaluationError) else None
                        ),
                        "values": dict(cl.values),
                    }
                    for cl in c.clauses
                ],
            }
            for c in e.candidates
        ],
    }
