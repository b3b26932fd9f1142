"""Chart versions in the SQL store: registering them, listing them with instance counts,
finding a version by its meaning, and reading back a version's files.

A version is immutable once an instance uses it, by meaning: registering it again with
another fingerprint is a :class:`~engine.store.ports.ChartVersionConflict`. Versions
registered before fingerprints were kept (revision ``v0004_versions``) are compared by their
bytes until a registration with unchanged bytes fills the fingerprint in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Dialect, func, select, update
from sqlalchemy.sql.elements import ClauseElement

from engine.store.ports import ChartVersionConflict
from engine.store.records import ChartVersionRecord
from engine.store.sql.driver import Driver
from engine.store.sql.statements import ZERO, Statements, compile_sql, param
from engine.store.sql.tables import chart_versions, instances

__all__ = ["ChartVersions"]

CV, IN = chart_versions.c, instances.c


class VersionStatements:
    """The compiled SQL of chart versions for one dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        sql = self._compile
        key = (CV.chart == param("chart"), CV.version == param("version"))
        self.row = sql(
            select(CV.source_hash, CV.fingerprint, CV.meaning, CV.bundle).where(*key),
            "chart",
            "version",
        )
        values = ("hash", "source", "fingerprint", "meaning", "bundle")
        self.replace = sql(
            update(chart_versions)
            .where(*key)
            .values(
                source_hash=param("hash"),
                source=param("source"),
                fingerprint=param("fingerprint"),
                meaning=param("meaning"),
                bundle=param("bundle"),
            ),
            *values,
            "chart",
            "version",
        )
        self.complete = sql(
            update(chart_versions)
            .where(*key)
            .values(
                fingerprint=func.coalesce(CV.fingerprint, param("fingerprint")),
                meaning=func.coalesce(CV.meaning, param("meaning")),
                bundle=func.coalesce(CV.bundle, param("bundle")),
            ),
            "fingerprint",
            "meaning",
            "bundle",
            "chart",
            "version",
        )
        counts = (
            select(IN.chart_version, IN.status, func.count())
            .where(IN.chart == param("chart"))
            .group_by(IN.chart_version, IN.status)
        )
        self.counts = sql(counts, "chart")
        self.listing = sql(
            select(CV.version, CV.fingerprint, CV.created, CV.meaning, CV.bundle.is_not(None))
            .where(CV.chart == param("chart"))
            .order_by(CV.version),
            "chart",
        )
        self.by_fingerprint = sql(
            select(func.max(CV.version)).where(
                CV.chart == param("chart"), CV.fingerprint == param("fingerprint")
            ),
            "chart",
            "fingerprint",
        )
        self.bundle = sql(select(CV.bundle).where(*key), "chart", "version")
        self.used = sql(
            select(IN.n)
            .where(IN.chart == param("chart"), IN.chart_version == param("version"))
            .limit(param("one"))
            .offset(ZERO),
            "chart",
            "version",
            "one",
        )

    def _compile(self, stmt: ClauseElement, *order: str) -> str:
        return compile_sql(stmt, self.dialect, order)


def _json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


def _mapping(text: str | None) -> Mapping[str, Any] | None:
    if not text:
        return None
    value = json.loads(text)
    return value if isinstance(value, dict) else None


class ChartVersions:
    """The chart-version part of :class:`~engine.store.sql.SqlStore`."""

    _db: Driver
    _sql: Statements
    _time: Callable[[datetime], Any]
    _read_time: Callable[[Any], datetime]
    _version_statements: VersionStatements | None = None

    @property
    def _versions_sql(self) -> VersionStatements:
        found = self._version_statements
        if found is None:
            found = self._version_statements = VersionStatements(self._db.engine.dialect)
        return found

    def register_chart(
        self,
        chart: str,
        version: int,
        source_hash: str,
        source: str | None = None,
        *,
        fingerprint: str | None = None,
        meaning: Mapping[str, Any] | None = None,
        bundle: Mapping[str, Any] | None = None,
    ) -> None:
        """Record a chart version's definition (see the module doc for when it conflicts)."""
        db, sql = self._db, self._versions_sql
        now = self._time(datetime.now().astimezone())
        db.transaction([(self._sql.ensure_chart, (chart, version, source_hash, source, now))])
        row = db.one(sql.row, (chart, version))
        stored_hash, stored_fp, stored_meaning = (
            (row[0], row[1], row[2]) if row else ("", None, None)
        )
        fill = (fingerprint, _json(meaning), _json(bundle))
        # by meaning; a version registered without a fingerprint compares its bytes
        by_meaning = bool(stored_fp and fingerprint)
        if (stored_fp == fingerprint) if by_meaning else (stored_hash == source_hash):
            db.transaction([(sql.complete, (*fill, chart, version))])
            return
        if (stored_fp or stored_hash) and db.one(sql.used, (chart, version, 1)) is not None:
            raise ChartVersionConflict(
                chart,
                version,
                stored_fp or stored_hash,
                fingerprint or source_hash,
                _mapping(stored_meaning),
            )
        db.transaction([(sql.replace, (source_hash, source, *fill, chart, version))])

    def chart_versions(self, chart: str) -> tuple[ChartVersionRecord, ...]:
        """Every registered version of ``chart``, oldest first, with instance counts."""
        sql = self._versions_sql
        counts: dict[tuple[int, str], int] = {
            (int(v), str(status)): int(n) for v, status, n in self._db.all(sql.counts, (chart,))
        }
        return tuple(
            ChartVersionRecord(
                chart,
                int(version),
                fp,
                self._read_time(created),
                counts.get((int(version), "active"), 0),
                counts.get((int(version), "done"), 0),
                _mapping(meaning),
                bool(has_bundle),
            )
            for version, fp, created, meaning, has_bundle in self._db.all(sql.listing, (chart,))
        )

    def chart_version_for(self, chart: str, fingerprint: str) -> int | None:
        """The newest registered version of ``chart`` with this meaning, if any."""
        row = self._db.one(self._versions_sql.by_fingerprint, (chart, fingerprint))
        return None if row is None or row[0] is None else int(row[0])

    def chart_bundle(self, chart: str, version: int) -> Mapping[str, Any] | None:
        """The files kept for a registered version (None when none were kept)."""
        row = self._db.one(self._versions_sql.bundle, (chart, version))
        return None if row is None else _mapping(row[0])
