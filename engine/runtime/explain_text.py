"""An :class:`~engine.runtime.blockers.Explanation` in words, for people.

``print(engine.explain(instance_id, "approve"))`` and ``statewise explain`` show this: what
would happen to the event, then every transition that reacts to it, whether its state is
active, who may take it, and its guard clause by clause with the values each clause read.

```text
'approve' would be refused: the guard of review --approve--> approved does not hold:
`total <= 500` is false (total = 689.74)

1 transition reacts to 'approve':

1. review --approve--> approved (order.yaml, line 41): blocked
   - the state 'review' is active
   - its guard, clause by clause:
     - `total <= 500` does not hold (total = 689.74)
     - `In('checked')` holds
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.errors import EvaluationError
from engine.expr import ClauseResult
from engine.runtime.blockers import NOT_IN_SOURCE_STATE, Candidate, Explanation

__all__ = ["explanation_text", "value_text"]


def value_text(v: Any) -> str:
    """A value as the expression language writes it (``null``, ``true``, ``'text'``)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return repr(v)
    return str(v)


def _clause(c: ClauseResult) -> str:
    if isinstance(c.result, EvaluationError):
        verdict = f"cannot be evaluated ({c.result.reason})"
    elif c.passed:
        verdict = "holds"
    else:
        verdict = "does not hold"
    seen = ", ".join(f"{k} = {value_text(v)}" for k, v in c.values.items() if k != c.text)
    return f"`{c.text}` {verdict}" + (f" ({seen})" if seen else "")


def _where(c: Candidate) -> str:
    span = c.transition.span
    if span is None:
        return ""
    return f" ({Path(span.file).name}, line {span.line})"


def _candidate(n: int, c: Candidate, accepted: bool) -> list[str]:
    t = c.transition
    if c.taken:
        verdict = "taken"
    elif c.blockers:
        verdict = "blocked"
    else:
        verdict = "not taken (another transition takes the event first)"
    lines = [f"{n}. {t.describe()}{_where(c)}: {verdict}"]
    source = f"'{t.source}'" if t.source else "the chart"
    if not c.source_active:
        lines.append(f"   - the state {source} is not active")
        reasons = [b for b in c.blockers if b.code != NOT_IN_SOURCE_STATE]
    else:
        if t.source:
            lines.append(f"   - the state {source} is active")
        reasons = [b for b in c.blockers if not b.clauses]
    lines += [f"   - {b.message}" for b in reasons]
    if c.clauses:
        lines.append("   - its guard, clause by clause:")
        lines += [f"     - {_clause(cl)}" for cl in c.clauses]
    elif t.guard is not None and c.source_active:
        lines.append(f"   - its guard `{t.guard.text}` was not needed")
    elif c.source_active and not c.blockers and not accepted:
        lines.append("   - nothing blocks it")
    return lines


def explanation_text(e: Explanation) -> str:
    """The explanation in words (see the module doc)."""
    if e.accepted:
        taken = [c.transition.describe() for c in e.candidates if c.taken]
        head = f"'{e.event}' would be taken: " + "; ".join(taken) + "."
    elif e.ignored:
        head = f"'{e.event}' would be ignored: the chart or an active state ignores it on purpose."
    else:
        why = "; ".join(b.message for b in e.blockers) or "no transition takes it"
        head = f"'{e.event}' would be refused: {why}"
    lines = [head]
    if e.candidates:
        count = len(e.candidates)
        lines += [
            "",
            f"{count} transition{'s' if count != 1 else ''} react{'s' if count == 1 else ''} to '{e.event}':",
            "",
        ]
        for n, c in enumerate(e.candidates, 1):
            lines += _candidate(n, c, e.accepted)
    return "\n".join(lines)
