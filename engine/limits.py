"""How big inputs and values may get, and how long one step may run.

Everything that comes in from outside (a start context, the data of an event, a note) is
measured against :class:`Limits` before it can reach the runtime or the store; a value
over a bound is refused with :class:`LimitExceeded` (or the refusal of the event), and
nothing is written. ``Engine(limits=Limits(...))`` changes the bounds; :data:`DEFAULT_LIMITS`
are documented in docs/library.md.

The expression language holds the values it computes to fixed bounds of its own (the
constants below), so that a chart that validates cannot build a gigabyte in one step.

:func:`measure` walks a value without recursion, so even data nested 100,000 levels deep
is measured (and refused) without a ``RecursionError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.errors import StatewiseError

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_INTEGER_DIGITS",
    "MAX_LIST_ITEMS",
    "MAX_TEXT",
    "LimitExceeded",
    "Limits",
    "integer_too_large",
    "measure",
]

#: the longest text an expression may compute (characters)
MAX_TEXT = 100_000
#: the longest list an expression may compute (items)
MAX_LIST_ITEMS = 10_000
#: the most digits of an integer, anywhere (YAML, data, expressions)
MAX_INTEGER_DIGITS = 30
_INTEGER_BOUND = 10**MAX_INTEGER_DIGITS


class LimitExceeded(StatewiseError):
    """A value or a step went past a bound; nothing was changed."""


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds an :class:`~engine.service.Engine` holds its inputs and steps to.

    ``data``: the size of one event's data or of a start context (characters of text,
    plus 8 for every other value); ``text``: the characters of any one text in it;
    ``depth``: how deeply its lists and records nest; ``note``: the characters of a note,
    a client note or an actor; ``microsteps`` and ``step_seconds``: the work one macrostep
    may do (an eventless loop is stopped by either).
    """

    data: int = 256 * 1024
    text: int = MAX_TEXT
    depth: int = 32
    note: int = 10_000
    microsteps: int = 1000
    step_seconds: float = 10.0

    def __post_init__(self) -> None:
        for name in ("data", "text", "depth", "note", "microsteps"):
            if getattr(self, name) < 1:
                raise ValueError(f"Limits.{name} must be at least 1")
        if not self.step_seconds > 0:
            raise ValueError("Limits.step_seconds must be positive")


DEFAULT_LIMITS = Limits()


def integer_too_large(value: int) -> bool:
    """True when ``value`` has more than :data:`MAX_INTEGER_DIGITS` digits."""
    return not -_INTEGER_BOUND < value < _INTEGER_BOUND


def measure(value: Any, limits: Limits = DEFAULT_LIMITS) -> str | None:
    """Why ``value`` breaks ``limits`` (a sentence naming where), or None when it fits.

    Counts the characters of every text and key, and 8 for every other value; checks the
    nesting depth, each text's length and each number's digits.
    """
    size = 0
    stack: list[tuple[Any, int, str]] = [(value, 0, "")]
    while stack:
        item, depth, where = stack.pop()
        at = f" (at {where})" if where else ""
        if isinstance(item, str):
            if len(item) > limits.text:
                return f"a text of {len(item):,} characters{at}; the limit is {limits.text:,}"
            size += len(item)
        elif isinstance(item, bool) or item is None:
            size += 8
        elif isinstance(item, int):
            if integer_too_large(item):
                return f"a number of more than {MAX_INTEGER_DIGITS} digits{at}"
            size += 8
        elif isinstance(item, Decimal):
            digits = item.as_tuple().digits
            if len(digits) > MAX_INTEGER_DIGITS * 2 or not item.is_finite():
                return f"a decimal number that is too long or not finite{at}"
            size += 8
        elif isinstance(item, Mapping | list | tuple):
            if depth >= limits.depth:
                return f"data nested more than {limits.depth} levels deep{at}"
            if isinstance(item, Mapping):
                for key, child in item.items():
                    size += len(key) if isinstance(key, str) else 8
                    stack.append((child, depth + 1, f"{where}.{key}" if where else str(key)))
            else:
                for i, child in enumerate(item):
                    stack.append((child, depth + 1, f"{where}[{i}]"))
            size += 8
        else:
            size += 8
        if size > limits.data:
            return f"more than {limits.data:,} characters of data; the limit is {limits.data:,}"
    return None
