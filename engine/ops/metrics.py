"""Health and metrics of a deployment: the figures to watch, for ``statewise status`` and for
``GET /api/v1/status`` of ``statewise serve`` (the same function, so the command and the
endpoint cannot disagree).

* **queue depth**: timers due now, outbox items pending, retrying (failed) and dead;
* **lag**: how late the oldest due timer is, and how long the oldest outbox item has been
  waiting past its next-attempt time (a few seconds is normal; minutes mean the workers
  cannot keep up, or none is running);
* **dead letters**: effects given up on, waiting for an operator (``statewise outbox --dead``);
* **workers**: who holds leases right now (timers and outbox items being worked on);
* **retention**: the oldest done outbox item and the oldest finished instance still in the
  live tables (purging and archiving keep these bounded);
* **clock**: the offset of this host's clock from the database's (workers go by the
  database's clock; a large offset means NTP is not running here);
* row counts of the tables (estimates on PostgreSQL).

Every figure is read from an index (docs/deployment.md), so polling is cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.store.sql import SqlStore

__all__ = ["Health", "health", "problems", "prometheus"]


@dataclass(frozen=True, slots=True)
class Health:
    database: str
    #: the database's time when the figures were read
    checked_at: datetime
    #: seconds the database's clock is ahead of this host's (negative: behind)
    clock_offset: float
    timers_due: int
    #: seconds the oldest due timer is late (0 when none is due)
    timer_lag: float
    oldest_due_timer: datetime | None
    outbox_pending: int
    outbox_retrying: int
    outbox_dead: int
    #: seconds the oldest pending or failed item has waited past its next-attempt time
    outbox_lag: float
    oldest_done_item: datetime | None
    oldest_finished_instance: datetime | None
    #: lease owner -> timers and outbox items it holds now
    leases: dict[str, int] = field(default_factory=dict)
    #: table -> rows (estimates on PostgreSQL)
    rows: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def health(store: SqlStore) -> Health:
    """The figures of the database behind ``store``, now."""
    here = datetime.now(UTC)
    now = store.database_now()
    f = store.figures(now)
    leases: dict[str, int] = {}
    for owners in (f.timer_leases, f.outbox_leases):
        for owner, n in owners.items():
            leases[owner] = leases.get(owner, 0) + n

    def late(since: datetime | None) -> float:
        return 0.0 if since is None else max(0.0, (now - since).total_seconds())

    return Health(
        database=store.url,
        checked_at=now,
        clock_offset=round((now - here).total_seconds(), 3),
        timers_due=f.timers_due,
        timer_lag=late(f.oldest_due),
        oldest_due_timer=f.oldest_due,
        outbox_pending=f.outbox.get("pending", 0),
        outbox_retrying=f.outbox.get("failed", 0),
        outbox_dead=f.outbox.get("dead", 0),
        outbox_lag=late(f.oldest_open),
        oldest_done_item=f.oldest_done_item,
        oldest_finished_instance=f.oldest_finished,
        leases=leases,
        rows=dict(f.rows),
    )


def problems(
    h: Health,
    *,
    max_lag: float | None = None,
    max_dead: int | None = None,
    max_clock_offset: float | None = None,
) -> list[str]:
    """What exceeds the given limits (seconds, items), one sentence each; empty: healthy."""
    found: list[str] = []
    if max_lag is not None:
        if h.timer_lag > max_lag:
            found.append(f"the oldest due timer is {h.timer_lag:.0f} s late (limit {max_lag:g} s)")
        if h.outbox_lag > max_lag:
            found.append(
                f"the oldest outbox item has waited {h.outbox_lag:.0f} s (limit {max_lag:g} s)"
            )
    if max_dead is not None and h.outbox_dead > max_dead:
        found.append(f"{h.outbox_dead} dead letter(s) (limit {max_dead})")
    if max_clock_offset is not None and abs(h.clock_offset) > max_clock_offset:
        found.append(
            f"this host's clock is {abs(h.clock_offset):.1f} s off the database's "
            f"(limit {max_clock_offset:g} s)"
        )
    return found


def prometheus(h: Health) -> str:
    """The figures in Prometheus' text format (``statewise_*`` gauges)."""
    lines: list[str] = []

    def gauge(name: str, help_: str, value: float, labels: Mapping[str, str] | None = None) -> None:
        if not any(line.startswith(f"# HELP statewise_{name} ") for line in lines):
            lines.append(f"# HELP statewise_{name} {help_}")
            lines.append(f"# TYPE statewise_{name} gauge")
        shown = (
            ""
            if not labels
            else "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"
        )
        lines.append(f"statewise_{name}{shown} {value:g}")

    gauge("timers_due", "Timers due now, not fired yet.", h.timers_due)
    gauge("timer_lag_seconds", "How late the oldest due timer is.", h.timer_lag)
    for status, n in (
        ("pending", h.outbox_pending),
        ("failed", h.outbox_retrying),
        ("dead", h.outbox_dead),
    ):
        gauge("outbox_items", "Outbox items not done, by status.", n, {"status": status})
    gauge(
        "outbox_lag_seconds",
        "How long the oldest open outbox item waited past its time.",
        h.outbox_lag,
    )
    gauge("clock_offset_seconds", "The database's clock minus this host's.", h.clock_offset)
    for owner, n in sorted(h.leases.items()):
        gauge("leases", "Timers and outbox items leased, by worker.", n, {"owner": owner})
    for table, n in sorted(h.rows.items()):
        gauge("table_rows", "Rows per table (estimates on PostgreSQL).", n, {"table": table})
    for name, help_, when in (
        ("oldest_done_item_age_seconds", "Age of the oldest done outbox item (purging).", h.oldest_done_item),
        ("oldest_finished_instance_age_seconds", "Age of the oldest finished live instance (archiving).", h.oldest_finished_instance),
    ):  # fmt: skip
        if when is not None:
            gauge(name, help_, max(0.0, (h.checked_at - when).total_seconds()))
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
