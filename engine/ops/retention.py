"""Keeping the live tables small: purge done outbox items, archive finished instances, export
the archive to JSON Lines. What ``statewise purge``, ``statewise archive`` and the worker's
housekeeping do (docs/operations.md, "Data that does not grow forever").

Ages are measured on the database's clock. Every function works in batches (one
transaction each), reports ``progress(done, None)`` after each, and can stop between two
batches (``stopping()``, ``max_batches``), so a worker can do a little at a time between
its passes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from engine.ops.errors import OpsError

if TYPE_CHECKING:
    from engine.store.sql import ArchivePage, SqlStore

__all__ = ["Sweep", "archive_finished", "export_archive", "list_archive", "purge_outbox"]

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True, slots=True)
class Sweep:
    """How many rows a sweep handled, and whether it got to the end (False: stopped early,
    more is left)."""

    count: int
    complete: bool


def _sweep(
    step: Callable[[], int],
    batch: int,
    progress: Progress | None,
    stopping: Callable[[], bool],
    max_batches: int | None,
) -> Sweep:
    total, batches = 0, 0
    while True:
        n = step()
        total += n
        batches += 1
        if progress is not None:
            progress(total, None)
        if n < batch:
            return Sweep(total, True)
        if stopping() or (max_batches is not None and batches >= max_batches):
            return Sweep(total, False)


def purge_outbox(
    store: SqlStore,
    older_than: timedelta,
    *,
    batch: int = 1000,
    progress: Progress | None = None,
    stopping: Callable[[], bool] = lambda: False,
    max_batches: int | None = None,
) -> Sweep:
    """Delete done outbox items created more than ``older_than`` ago."""
    before = store.database_now() - older_than
    return _sweep(lambda: store.purge_outbox(before, batch), batch, progress, stopping, max_batches)


def archive_finished(
    store: SqlStore,
    older_than: timedelta,
    *,
    batch: int = 500,
    progress: Progress | None = None,
    stopping: Callable[[], bool] = lambda: False,
    max_batches: int | None = None,
) -> Sweep:
    """Move instances that finished more than ``older_than`` ago to the archive (with their
    audit trail), children before their parents. An instance stays while it has children
    in the live tables or outbox items still to perform (pending, failed or dead)."""

    def step() -> int:
        now = store.database_now()
        return len(store.archive_finished(now - older_than, now, batch))

    return _sweep(step, batch, progress, stopping, max_batches)


def list_archive(
    store: SqlStore,
    *,
    chart: str | None = None,
    key: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> ArchivePage:
    """A page of archived instances, in archiving order."""
    try:
        return store.list_archive(chart=chart, key=key, after=after, limit=limit)
    except ValueError as exc:
        raise OpsError(str(exc), "usage") from exc


def export_archive(
    store: SqlStore,
    path: str | Path,
    *,
    older_than: timedelta | None = None,
    chart: str | None = None,
    delete: bool = False,
    batch: int = 1000,
    progress: Progress | None = None,
) -> int:
    """Write archived instances (archived more than ``older_than`` ago; all by default) to
    a new JSON Lines file, one document per line; with ``delete``, remove each batch from
    the archive once it is safely on disk (written and flushed to the device). Returns how
    many were written. An existing file is refused (nothing is overwritten)."""
    before = None if older_than is None else store.database_now() - older_than
    target = Path(path)
    try:
        out = target.open("x", encoding="utf-8")
    except FileExistsError:
        raise OpsError(f"{target} exists; export to a new file", "usage") from None
    except OSError as exc:
        raise OpsError(f"cannot write {target}: {exc.strerror}", "usage") from None
    total = 0
    after: str | None = None
    with out:
        while True:
            rows = store.archive_batch(before, chart, after, batch)
            if not rows:
                break
            out.writelines(f"{record}\n" for _iid, _archived, record in rows)
            out.flush()
            os.fsync(out.fileno())
            if delete:
                store.forget_archived([iid for iid, _a, _r in rows])
            else:
                last_id, last_at, _ = rows[-1]
                after = f"{last_at.isoformat()}|{last_id}"
            total += len(rows)
            if progress is not None:
                progress(total, None)
            if len(rows) < batch:
                break
    return total
