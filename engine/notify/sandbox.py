"""The template sandbox with bounds: no template can exhaust time or memory.

jinja2's :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` keeps templates away from
Python internals (and from changing the lists they are given); it does not bound what they
compute. A template could spend minutes on ``{{ 9 ** 999999999 }}`` (jinja2 even folds that
constant while the template is *checked*, outside any render), build a gigabyte with
``'x' * 10**9``, ``'%0999999999d'|format(1)`` or ``'a'|center(10**9)``, or loop 100,000 by
100,000 times. This environment:

* intercepts the arithmetic operators (so none is folded at compile time) and refuses
  results beyond :data:`MAX_INT_BITS` bits or :data:`MAX_OUTPUT` characters/items, and
  ``%`` on text;
* wraps every filter and checks every call: numbers beyond :data:`MAX_OUTPUT` (widths,
  counts) and ``%``/``{}`` format specifications wider than that are refused, and so is any
  text or list result longer than it;
* counts loop iterations: every ``{% for %}`` iterates through :meth:`bounded_iter`, which
  stops the render after :data:`MAX_LOOP_ITERATIONS` iterations in total or when the
  render's time (:data:`MAX_RENDER_SECONDS`) is up;
* renders through :func:`render_bounded`, which stops once the output passes
  :data:`MAX_OUTPUT` characters.

A bound broken raises :class:`RenderLimit` (a jinja2 ``SecurityError``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache, update_wrapper
from typing import Any

from jinja2 import StrictUndefined, Template, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

__all__ = [
    "MAX_INT_BITS",
    "MAX_LOOP_ITERATIONS",
    "MAX_OUTPUT",
    "MAX_RENDER_SECONDS",
    "BoundedSandbox",
    "RenderLimit",
    "render_bounded",
]

#: the largest text (characters) or list (items) a template may make, and its output
MAX_OUTPUT = 1_000_000
#: the largest integer a template may compute (in bits; about 1,200 decimal digits)
MAX_INT_BITS = 4096
#: loop iterations one render may run, all loops together
MAX_LOOP_ITERATIONS = 100_000
#: how long one render may take
MAX_RENDER_SECONDS = 2.0

_ARITHMETIC = frozenset({"+", "-", "*", "/", "//", "%", "**"})
#: a width or precision in a ``%`` or ``{}`` format: the digits to check
_PERCENT_SPEC = re.compile(r"%[-#0 +]*(\d*)(?:\.(\d+))?")
_BRACE_SPEC = re.compile(r"\{[^{}:]*:[^{}\d]*(\d*)(?:\.(\d+))?")


class RenderLimit(SecurityError):
    """A template went past a bound (size, loop iterations, time)."""


@dataclass(slots=True)
class _Budget:
    iterations: int
    deadline: float


_budget: ContextVar[_Budget | None] = ContextVar("statewise_render_budget", default=None)


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple | dict) else 0


def _check_result(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise RenderLimit(f"a number of more than {MAX_INT_BITS} bits")
    if _size(value) > MAX_OUTPUT:
        raise RenderLimit(f"a text or list longer than {MAX_OUTPUT:,}")
    return value


def _check_number(value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_OUTPUT:
        raise RenderLimit(f"the number {value} is too large here (the limit is {MAX_OUTPUT:,})")


def _check_format(spec: str) -> None:
    for pattern in (_PERCENT_SPEC, _BRACE_SPEC):
        for m in pattern.finditer(spec):
            for digits in m.groups():
                if digits and (len(digits) > 7 or int(digits) > MAX_OUTPUT):
                    raise RenderLimit(f"a format width of {digits} characters")


def _check_arguments(args: Iterable[Any], kwargs: Mapping[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        _check_number(value)


def _estimate_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would break a bound, before computing it."""
    ints = isinstance(left, int) and isinstance(right, int)
    if operator == "**" and ints and right > 0:
        if max(left.bit_length(), 1) * right > MAX_INT_BITS and abs(left) > 1:
            raise RenderLimit(f"{left} ** {right} has more than {MAX_INT_BITS} bits")
    elif operator == "*":
        if ints and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise RenderLimit(f"a product of more than {MAX_INT_BITS} bits")
        for seq, n in ((left, right), (right, left)):
            if _size(seq) and isinstance(n, int) and _size(seq) * n > MAX_OUTPUT:
                raise RenderLimit(f"repeating a text or list {n} times")
    elif operator == "+" and _size(left) + _size(right) > MAX_OUTPUT:
        raise RenderLimit(f"joining texts or lists longer than {MAX_OUTPUT:,}")
    elif operator == "%" and isinstance(left, str):
        raise RenderLimit("'%' formatting of text; use the format filter")


def _bounded_filter(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    skip = 1 if getattr(fn, "jinja_pass_arg", None) is not None else 0

    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_arguments(args[skip + 1 :], kwargs)  # the value itself may be large
        if name == "format" and len(args) > skip and isinstance(args[skip], str):
            _check_format(args[skip])
        return _check_result(fn(*args, **kwargs))

    return update_wrapper(bounded, fn)


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """An immutable sandbox whose templates stay within the module's bounds."""

    intercepted_binops = _ARITHMETIC

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
        self.filters = {name: _bounded_filter(f, name) for name, f in self.filters.items()}

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _estimate_binop(operator, left, right)
        return _check_result(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_arguments(args, kwargs)
        target = getattr(__obj, "__wrapped__", __obj)  # str.format behind the sandbox's wrapper
        receiver = getattr(target, "__self__", None)
        if isinstance(receiver, str):
            name = getattr(target, "__name__", "")
            if name in ("format", "format_map"):
                _check_format(receiver)
            elif name == "replace" and len(args) >= 2:
                old, new = str(args[0]), str(args[1])
                grows = max(0, len(new) - len(old)) * receiver.count(old or " ")
                if len(receiver) + grows > MAX_OUTPUT:
                    raise RenderLimit(f"a replacement longer than {MAX_OUTPUT:,}")
        return _check_result(super().call(__context, __obj, *args, **kwargs))

    def bounded_iter(self, iterable: Any) -> Iterator[Any]:
        """The iterable of a ``{% for %}`` loop, counted against the render's budget."""
        budget = _budget.get()
        for item in iterable:
            if budget is not None:
                budget.iterations -= 1
                if budget.iterations < 0:
                    raise RenderLimit(f"more than {MAX_LOOP_ITERATIONS:,} loop iterations")
                if not budget.iterations % 256 and time.monotonic() > budget.deadline:
                    raise RenderLimit(f"rendering took more than {MAX_RENDER_SECONDS} s")
            yield item

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            wrapped = nodes.Call(
                nodes.EnvironmentAttribute("bounded_iter", lineno=loop.lineno),
                [loop.iter],
                [],
                None,
                None,
                lineno=loop.lineno,
            )
            wrapped.set_environment(self)
            loop.iter = wrapped
        return tree


@lru_cache(maxsize=1024)
def _compiled(env: BoundedSandbox, source: str) -> Template:
    """A template's text compiled once: compiling costs about twenty renders, and a worker
    renders the same few templates all day (the bounds apply when rendering, not here)."""
    return env.from_string(source)


def render_bounded(
    env: BoundedSandbox, source: str, variables: Mapping[str, Any], *, limit: int = MAX_OUTPUT
) -> str:
    """Render ``source`` within the bounds; :class:`RenderLimit` when one is broken."""
    token = _budget.set(_Budget(MAX_LOOP_ITERATIONS, time.monotonic() + MAX_RENDER_SECONDS))
    try:
        parts: list[str] = []
        size = 0
        for chunk in _compiled(env, source).generate(variables):
            size += len(chunk)
            if size > limit:
                raise RenderLimit(f"the text is longer than {limit:,} characters")
            parts.append(chunk)
        return "".join(parts)
    finally:
        _budget.reset(token)
