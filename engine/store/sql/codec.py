"""A typed JSON codec: context values, snapshot parts and effects to text and back, exactly.

Plain JSON values (strings, integers, booleans, ``None``, finite floats, lists and
string-keyed dicts) are written as they are, so a typical context stays readable JSON. Every
other value the runtime uses is written as a one-key object whose key starts with ``$``:

==========================  ===============================================================
value                       written as
==========================  ===============================================================
``Decimal``                 ``{"$dec": "12.50"}`` (``str``: exponent and trailing zeros kept)
``datetime`` (naive or      ``{"$ts": "2026-03-02T09:00:00+00:00"}`` (ISO 8601, offset kept)
fixed offset)
``datetime`` (``ZoneInfo``)  ``{"$tsz": ["2026-03-29T02:30:00", "Europe/Paris", 0]}``
                            (wall time, zone key, fold: rebuilt field for field)
``date`` / ``time``         ``{"$date": "2026-03-02"}`` / ``{"$time": "09:00:00"}``
``timedelta``               ``{"$dur": [days, seconds, microseconds]}``
non-finite ``float``        ``{"$float": "nan"}`` (``inf``, ``-inf``)
``tuple``                   ``{"$tuple": [...]}`` (lists stay lists)
``frozenset`` / ``set``     ``{"$set": [...]}`` (read back as a ``frozenset``)
``bytes``                   ``{"$bytes": "<base64>"}``
a mapping that could be     ``{"$map": [[key, value], ...]}`` (a one-key dict whose key starts
mistaken for a tag, or has  with ``$``, or keys that are not strings)
non-string keys
a runtime value (``Event``, ``{"$obj": ["Event", {field: value, ...}]}``
``PendingTimer``, effects)
==========================  ===============================================================

Other mappings (``MappingProxyType``, the runtime's empty mapping) are written as dicts and
read back as dicts, which compare equal. Any other type raises :class:`TypeError`:
nothing is stored that could not be read back equal.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from engine.runtime import (
    CancelTimer,
    ChildSpec,
    Event,
    EventForInstance,
    InstanceInfo,
    LogEntry,
    NotifyRequested,
    PendingTimer,
    ScheduleTimer,
    SpawnRequested,
    StartRequested,
    TaskRequested,
)

__all__ = ["decode", "decode_effect", "dumps", "encode", "encode_effect", "loads", "to_json"]

#: the runtime's value classes the codec knows by name
CLASSES: dict[str, type[Any]] = {
    c.__name__: c
    for c in (
        Event,
        PendingTimer,
        InstanceInfo,
        ChildSpec,
        ScheduleTimer,
        CancelTimer,
        NotifyRequested,
        TaskRequested,
        SpawnRequested,
        StartRequested,
        EventForInstance,
        LogEntry,
    )
}
_FIELDS = {c: tuple(f.name for f in dataclasses.fields(c)) for c in CLASSES.values()}

_NONE = type(None)
_PLAIN = frozenset({str, int, bool, _NONE})

#: compact, ASCII-only (lone surrogates survive), no NaN (those are tagged)
dumps: Callable[[Any], str] = json.JSONEncoder(
    ensure_ascii=True, separators=(",", ":"), allow_nan=False, check_circular=False
).encode


def to_json(value: Any) -> Any:
    """``value`` as plain JSON data (tags for the types JSON lacks)."""
    t = type(value)
    if t in _PLAIN:
        return value
    if t is dict:
        return _map(value)
    if t is list:
        return [x if type(x) in _PLAIN else to_json(x) for x in value]
    if t is Decimal:
        return {"$dec": str(value)}
    if t is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if t is dt.datetime:
        return _datetime(value)
    if t is dt.date:
        return {"$date": value.isoformat()}
    if t is dt.timedelta:
        return {"$dur": [value.days, value.seconds, value.microseconds]}
    if t is tuple:
        return {"$tuple": [x if type(x) in _PLAIN else to_json(x) for x in value]}
    if t is frozenset or t is set:
        return {"$set": [to_json(x) for x in value]}
    if t in _FIELDS:
        return {"$obj": [t.__name__, {f: to_json(getattr(value, f)) for f in _FIELDS[t]}]}
    return _other(value)


def _other(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _map(value)
    if type(value) is dt.time:
        return {"$time": value.isoformat()}
    if isinstance(value, bytes | bytearray):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    raise TypeError(
        f"cannot store a value of type {type(value).__name__} ({value!r:.60}); a context holds "
        "text, numbers, decimals, booleans, dates, timestamps, durations, lists and records"
    )


def _map(value: Mapping[Any, Any]) -> Any:
    for key in value:
        if type(key) is not str:
            break
    else:
        if len(value) == 1 and next(iter(value)).startswith("$"):
            return {"$map": [[k, to_json(v)] for k, v in value.items()]}
        return {k: v if type(v) in _PLAIN else to_json(v) for k, v in value.items()}
    return {"$map": [[to_json(k), to_json(v)] for k, v in value.items()]}


def _datetime(value: dt.datetime) -> Any:
    tz = value.tzinfo
    if isinstance(tz, ZoneInfo) and tz.key is not None:
        wall = value.replace(tzinfo=None).isoformat()
        return {"$tsz": [wall, tz.key, value.fold]}
    if value.fold and tz is None:
        return {"$tsz": [value.isoformat(), None, 1]}
    return {"$ts": value.isoformat()}


def encode(value: Any) -> str:
    """``value`` as JSON text; :func:`decode` gives back an equal value."""
    return dumps(to_json(value))


# -- decoding ------------------------------------------------------------------------------


def _tsz(v: list[Any]) -> dt.datetime:
    wall, key, fold = v
    naive = dt.datetime.fromisoformat(wall)
    return naive.replace(tzinfo=None if key is None else ZoneInfo(key), fold=fold)


def _obj(v: list[Any]) -> Any:
    name, fields = v
    cls = CLASSES.get(name)
    if cls is None:
        raise ValueError(f"unknown stored value type {name!r}")
    return cls(**fields)


def _float(v: str) -> float:
    return float(v)


_TAGS: dict[str, Callable[[Any], Any]] = {
    "$dec": Decimal,
    "$ts": dt.datetime.fromisoformat,
    "$tsz": _tsz,
    "$date": dt.date.fromisoformat,
    "$time": dt.time.fromisoformat,
    "$dur": lambda v: dt.timedelta(v[0], v[1], v[2]),
    "$float": _float,
    "$tuple": tuple,
    "$set": frozenset,
    "$bytes": base64.b64decode,
    "$map": lambda v: {k: x for k, x in v},
    "$obj": _obj,
}


def _hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        for key, value in obj.items():
            if key[:1] == "$":
                tag = _TAGS.get(key)
                if tag is None:
                    raise ValueError(f"unknown tag {key!r} in stored JSON")
                return tag(value)
    return obj


_plain_loads = json.JSONDecoder().decode
_tagged_loads = json.JSONDecoder(object_hook=_hook).decode


def loads(text: str) -> Any:
    """Parse JSON text written by :func:`encode` (a text without ``$`` skips the tag hook)."""
    return _tagged_loads(text) if "$" in text else _plain_loads(text)


#: the inverse of :func:`encode`
decode = loads


def encode_effect(effect: Any) -> tuple[str, str]:
    """An effect as (kind, payload): its class name and its fields as JSON."""
    fields = _FIELDS.get(type(effect))
    if fields is None:
        raise TypeError(f"cannot store effect {effect!r:.80}: not a runtime effect")
    return type(effect).__name__, dumps({f: to_json(getattr(effect, f)) for f in fields})


def decode_effect(kind: str, payload: str) -> Any:
    """The inverse of :func:`encode_effect`."""
    cls = CLASSES.get(kind)
    if cls is None:
        raise ValueError(f"unknown stored effect kind {kind!r}")
    return cls(**loads(payload))
