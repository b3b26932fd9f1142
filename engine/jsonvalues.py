"""Runtime values as plain JSON, the one way statewise writes them for people and tools.

Every ``--json`` output of the command line (and anything else that hands values to other
programs) goes through :func:`plain`: decimals as their exact text (``"12.50"``), timestamps,
dates and times in ISO 8601, durations in seconds, tuples and sets as lists, mappings with
text keys. (The SQL store keeps values in its own tagged JSON, ``engine.store.sql.codec``, so
that they read back exactly; that is storage, not output.)
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["dumps", "plain"]


def plain(value: Any) -> Any:
    """``value`` as plain JSON data (see the module doc)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Mapping) or hasattr(value, "items"):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return str(value)


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as JSON text (through :func:`plain`)."""
    return json.dumps(plain(value), indent=indent, ensure_ascii=False)
