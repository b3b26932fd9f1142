"""engine.jsonvalues: the one plain-JSON writer of runtime values (every --json output)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import MappingProxyType

from engine.jsonvalues import dumps, plain


def test_runtime_values_become_plain_json() -> None:
    when = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    value = {
        "total": Decimal("12.50"),
        "at": when,
        "day": dt.date(2026, 3, 2),
        "opens": dt.time(9, 0),
        "wait": dt.timedelta(hours=1, minutes=30),
        "tags": ("a", "b"),
        "roles": frozenset({"clerk"}),
        "ctx": MappingProxyType({"n": 1, 2: None}),
        "ratio": float("nan"),
    }
    assert plain(value) == {
        "total": "12.50",
        "at": "2026-03-02T09:30:00+00:00",
        "day": "2026-03-02",
        "opens": "09:00:00",
        "wait": 5400.0,
        "tags": ["a", "b"],
        "roles": ["clerk"],
        "ctx": {"n": 1, "2": None},
        "ratio": "nan",
    }
    assert json.loads(dumps(value))["total"] == "12.50"
