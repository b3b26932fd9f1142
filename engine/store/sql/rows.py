"""Records to rows and back: the statements of a unit of work, and records from rows.

The JSON of what repeats (configurations, leaf-state tuples) is cached; so is the last record
written or read per instance (up to ``cache_size``), with its context's JSON. A row whose row
version matches the cached record *is* that record (a row version is never reused), so
reading it back decodes nothing; a save whose context is the very object last seen reuses
its JSON.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from engine.runtime import InstanceInfo, Snapshot
from engine.runtime.values import EMPTY
from engine.store.records import AuditKind, AuditRecord, Changes, InstanceRecord
from engine.store.sql.codec import dumps, encode_effect, loads, to_json
from engine.store.sql.driver import Stmt
from engine.store.sql.statements import Statements

__all__ = ["EMPTY_JSON", "EMPTY_LIST", "Rows", "UnitRows", "calls_json"]

EMPTY_JSON = "{}"
EMPTY_LIST = "[]"
_new = tuple.__new__
_SMALL = 4096  # entries per cache of repeated JSON


def calls_json(calls: Mapping[str, str] | None) -> str | None:
    """The ``calls`` column: NULL when unknown (instances stored before revision v0002)."""
    if calls is None:
        return None
    return EMPTY_JSON if not calls else dumps(dict(calls))


class UnitRows(NamedTuple):
    """The rows a unit of work adds or removes besides the instance row, per table (each a
    tuple of the insert statement's parameters, in the columns' order)."""

    audit: list[tuple[Any, ...]]
    timer_set: list[tuple[Any, ...]]
    timer_cancel: list[tuple[Any, ...]]
    outbox: list[tuple[Any, ...]]


class Rows:
    """Conversions for one store (its statements, its time format, its record cache)."""

    def __init__(
        self,
        sql: Statements,
        time: Callable[[datetime], Any],
        read_time: Callable[[Any], datetime],
        *,
        audit: bool,
        cache_size: int,
    ) -> None:
        self.sql, self.time, self.read_time = sql, time, read_time
        self.audit = audit
        self.cache_size = cache_size
        #: instance id -> (last record seen, its context as JSON)
        self.cache: dict[str, tuple[InstanceRecord, str]] = {}
        self._configs: dict[frozenset[str], tuple[str, str]] = {}
        self._frozen: dict[str, frozenset[str]] = {}
        self._leaf_json: dict[tuple[str, ...], str] = {}
        self._leaf_tuple: dict[str, tuple[str, ...]] = {}

    # -- records -> rows ------------------------------------------------------------------
    def config(self, configuration: frozenset[str]) -> tuple[str, str]:
        """A configuration as (its sorted JSON list, its leaf states joined by ",")."""
        found = self._configs.get(configuration)
        if found is None:
            ids = sorted(configuration)
            leaves = [s for s in ids if not any(o.startswith(s + ".") for o in ids)]
            found = (dumps(ids), ",".join(leaves))
            if len(self._configs) < _SMALL:
                self._configs[configuration] = found
        return found

    def instance_args(self, record: InstanceRecord) -> tuple[tuple[Any, ...], str]:
        """The parameters of ``insert_instance``, and the context's JSON."""
        info, snap = record.info, record.snapshot
        conf, state = self.config(snap.configuration)
        ctx = dumps(to_json(snap.context))
        created = self.time(record.created)
        args = (
            info.id,
            info.chart,
            info.version,
            info.key,
            info.parent,
            record.spawn,
            conf,
            state,
            created,
            ctx,
            EMPTY_JSON if not snap.history else dumps(to_json(snap.history)),
            EMPTY_JSON if not snap.timers else dumps(to_json(snap.timers)),
            calls_json(snap.calls),
            snap.done,
            record.status,
            record.row_version,
            created,
            self.time(record.updated),
        )
        return args, ctx

    def change_rows(
        self,
        instance_id: str,
        changes: Changes,
        when: Any,
        time: Callable[[datetime], Any] | None = None,
    ) -> UnitRows:
        """The rows that store ``changes``, per table (``when``: the unit of work's time,
        already converted; ``time`` converts the other times, default the store's)."""
        audit, timers, outbox = changes
        time = time or self.time
        lines: list[tuple[Any, ...]] = []
        if audit and self.audit:
            leaves = self._leaves_json
            for line, a in enumerate(audit):
                data, roles, delta, effects = a.data, a.roles, a.changes, a.effects
                lines.append(
                    (
                        instance_id,
                        a.seq,
                        line,
                        a.kind,
                        a.event,
                        EMPTY_JSON if not data else dumps(to_json(data)),
                        leaves(a.from_configuration),
                        leaves(a.to_configuration),
                        a.actor,
                        a.note,
                        a.client_note,
                        time(a.time),
                        a.origin,
                        None if roles is None else dumps(list(roles)),
                        None if delta is None else _json(delta, EMPTY_JSON),
                        None if effects is None else _json(effects, EMPTY_LIST),
                    )
                )
        timer_set: list[tuple[Any, ...]] = []
        timer_cancel: list[tuple[Any, ...]] = []
        for timer_id, due in timers:
            if due is None:
                timer_cancel.append((instance_id, timer_id))
            else:
                timer_set.append((instance_id, timer_id, time(due)))
        items: list[tuple[Any, ...]] = []
        for item in outbox:
            kind, payload = encode_effect(item.effect)
            status = "pending" if item.error is None else "failed"
            head = (item.id, item.instance_id, item.seq, item.position, kind, payload)
            items.append((*head, status, item.attempts, when, item.error, None, when))
        return UnitRows(lines, timer_set, timer_cancel, items)

    def changes(self, instance_id: str, changes: Changes, when: Any) -> list[Stmt]:
        """The statements that store ``changes`` (``when``: the unit of work's time)."""
        audit, set_, cancel, outbox = self.change_rows(instance_id, changes, when)
        sql = self.sql
        out: list[Stmt] = [(sql.insert_audit, r) for r in audit]
        out += [(sql.timer_cancel, r) for r in cancel]
        out += [(sql.timer_set, r) for r in set_]
        out += [(sql.insert_outbox, r) for r in outbox]
        return out

    def _leaves_json(self, leaves: tuple[str, ...]) -> str:
        found = self._leaf_json.get(leaves)
        if found is None:
            found = dumps(list(leaves))
            if len(self._leaf_json) < _SMALL:
                self._leaf_json[leaves] = found
        return found

    # -- rows -> records ------------------------------------------------------------------
    def record(self, row: Sequence[Any]) -> InstanceRecord:
        """An instance row (``INSTANCE_COLUMNS``) as a record; cached when unchanged."""
        iid, chart, cv, key, parent, spawn, conf, ctx, hist, tmr, calls, done, status, rv, c, u = (
            row
        )
        entry = self.cache.get(iid)
        if entry is not None:
            old = entry[0]
            if old[3] == rv:
                return old
            info = old[0]
        else:
            info = InstanceInfo(iid, key, chart, cv, parent)
        snapshot = Snapshot(
            self._frozen.get(conf) or self._thaw(conf),
            loads(ctx),
            EMPTY if hist == EMPTY_JSON else loads(hist),
            EMPTY if tmr == EMPTY_JSON else loads(tmr),
            bool(done),
            None if calls is None else EMPTY if calls == EMPTY_JSON else loads(calls),
        )
        read = self.read_time
        record: InstanceRecord = _new(
            InstanceRecord, (info, snapshot, status, rv, read(c), read(u), spawn)
        )
        self.remember(iid, record, ctx)
        return record

    def remember(self, instance_id: str, record: InstanceRecord, ctx: str) -> None:
        if self.cache_size <= 0:
            return
        cache = self.cache
        if cache.pop(instance_id, None) is None and len(cache) >= self.cache_size:
            # the least recently used; another thread may be evicting it too
            with contextlib.suppress(StopIteration, RuntimeError):
                cache.pop(next(iter(cache)), None)
        cache[instance_id] = (record, ctx)

    def audit_records(self, instance_id: str, rows: Sequence[Any]) -> tuple[AuditRecord, ...]:
        """Rows of the ``history`` statement's columns as records."""
        leaves, read = self._leaves_tuple, self.read_time
        out = []
        for row in rows:
            seq, event, data, before, after, actor, note, client_note, at, kind = row[:10]
            origin, roles, changes, effects = row[10:]
            out.append(
                AuditRecord(
                    instance_id,
                    seq,
                    event,
                    loads(data),
                    leaves(before),
                    leaves(after),
                    actor,
                    note,
                    client_note,
                    read(at),
                    cast(AuditKind, kind),
                    origin,
                    None if roles is None else tuple(loads(roles)),
                    None if changes is None else loads(changes),
                    None if effects is None else loads(effects),
                )
            )
        return tuple(out)

    def _thaw(self, text: str) -> frozenset[str]:
        found = frozenset(loads(text))
        if len(self._frozen) < _SMALL:
            self._frozen[text] = found
        return found

    def _leaves_tuple(self, text: str) -> tuple[str, ...]:
        found = self._leaf_tuple.get(text)
        if found is None:
            found = tuple(loads(text))
            if len(self._leaf_tuple) < _SMALL:
                self._leaf_tuple[text] = found
        return found


def _json(value: Any, empty: str) -> str:
    return empty if not value else dumps(to_json(value))
