"""The console's HTML: jinja2 templates shipped in the package (autoescaped), with a few
filters for people (ages such as ``3d 4h``, times in UTC, values as the guards write them).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from starlette.responses import HTMLResponse

from engine.ops.wording import duration

__all__ = ["age", "page", "show"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


def age(value: timedelta | None) -> str:
    """``3d 4h``, ``2h 05m``, ``4m 10s``, ``12s`` (the two largest units)."""
    if value is None:
        return ""
    return duration(value)


def when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def show(value: Any) -> str:
    """A context value for people: decimals as written, lists and records compactly."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal | int | float | str):
        return str(value)
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {show(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(show(v) for v in value)
    return str(value)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(age=age, when=when, show=show)
    return env


def page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
    html = environment().get_template(name).render(**values)
    return HTMLResponse(html, status_code=status)
