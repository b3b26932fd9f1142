"""The in-memory store's audit trails, kept as numbers.

Most lines of a workflow differ only in their sequence number and time (the same event
between the same states, by the same actor, no note), so each distinct rest (a *shape*) is
kept once, and a line is two 64-bit integers in the instance's ``array``: shape and seq, and
the time in microseconds since the epoch. A line that does not fit (a note, event data, a
time not in UTC, ...) is kept whole. :meth:`Trail.records` gives back records equal to
those saved, with the very same event data, configuration and actor objects.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from engine.store.records import AuditRecord

__all__ = ["Trail"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
#: packed line: shape << 32 | seq; beyond these limits a line is kept whole
_SEQ_LIMIT = 1 << 32
_MAX_SHAPES = 1 << 16
#: how many distinct empty data mappings (shared, immutable ones) a shape may name
_MAX_EMPTIES = 8
#: (event, data, from, to, actor, kind, origin, roles) of audit lines
Shape = tuple[Any, ...]


class Trail:
    """The audit trails of all instances, two integers per line (see the module doc)."""

    __slots__ = ("_empties", "_ids", "_shapes", "_wide", "lines")

    def __init__(self) -> None:
        #: instance id -> (code, microseconds) pairs; code < 0 points into ``_wide``
        self.lines: dict[str, array[int]] = {}
        self._shapes: list[Shape] = []
        self._ids: dict[tuple[Any, ...], int] = {}
        self._wide: list[AuditRecord] = []
        #: id -> the empty data mappings shapes may refer to (kept alive: ids stay unique)
        self._empties: dict[int, Mapping[str, Any]] = {}

    def add(
        self,
        instance_id: str,
        record: AuditRecord,
        _id: Callable[[object], int] = id,
        _utc: tzinfo = UTC,
        _epoch: datetime = _EPOCH,
        _us: timedelta = _MICROSECOND,
    ) -> None:
        """File one audit line (the defaults bind globals as locals: a hot path)."""
        lines = self.lines.get(instance_id)
        if lines is None:
            lines = self.lines[instance_id] = array("q")
        iid, seq, event, data, from_, to, actor, note, client_note, time, kind, *more = record
        origin, roles, changes, effects = more
        if (
            note is None
            and client_note is None
            and changes is None
            and effects is None
            and time.tzinfo is _utc
            and not time.fold
            and 0 <= seq < _SEQ_LIMIT
            and iid == instance_id
        ):
            # a shape names only kept (live) data mappings: a hit means this very one
            shape = self._ids.get((event, _id(data), from_, to, actor, kind, origin, roles))
            if shape is None and self._empty(data):
                shape = self._new_shape(event, data, from_, to, actor, kind, origin, roles)
            if shape is not None:
                lines.append(shape << 32 | seq)
                lines.append((time - _epoch) // _us)
                return
        self._wide.append(record)
        lines.append(-len(self._wide))
        lines.append(0)

    def _new_shape(self, *shape: Any) -> int | None:
        if len(self._shapes) >= _MAX_SHAPES:
            return None
        event, data, from_, to, actor, kind, origin, roles = shape
        key = (event, id(data), from_, to, actor, kind, origin, roles)
        index = self._ids[key] = len(self._shapes)
        self._shapes.append(shape)
        return index

    def _empty(self, data: Mapping[str, Any]) -> bool:
        """An empty mapping a shape may name (kept, so its id stays its own): not a plain
        dict, which its owner may fill later; that line is kept whole with its dict."""
        if id(data) in self._empties:
            return True
        if data or type(data) is dict or len(self._empties) >= _MAX_EMPTIES:
            return False
        self._empties[id(data)] = data
        return True

    def records(self, instance_id: str) -> tuple[AuditRecord, ...]:
        lines = self.lines.get(instance_id)
        if not lines:
            return ()
        out: list[AuditRecord] = []
        pairs = iter(lines)
        for code, micros in zip(pairs, pairs, strict=True):
            if code < 0:
                out.append(self._wide[-code - 1])
                continue
            event, data, from_, to, actor, kind, origin, roles = self._shapes[code >> 32]
            time = _EPOCH + timedelta(microseconds=micros)
            seq = code & (_SEQ_LIMIT - 1)
            out.append(
                AuditRecord(
                    instance_id,
                    seq,
                    event,
                    data,
                    from_,
                    to,
                    actor,
                    None,
                    None,
                    time,
                    kind,
                    origin,
                    roles,
                )
            )
        return tuple(out)
