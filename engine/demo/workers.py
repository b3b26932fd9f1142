"""``statewise demo --workers N``: worker processes on the demo's simulated time.

Each is ``statewise worker --app engine.reference.app:make`` with ``STATEWISE_CLOCK_FILE``
naming the demo's clock file. After the demo moves the clock it waits until the workers
have fired every timer due and performed every outbox item, and nothing was written for a
moment (a worker may still be applying what an item led to).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import StatewiseError

if TYPE_CHECKING:
    from engine.reference.clock import FileClock
    from engine.store.sql import SqlStore

__all__ = ["WorkerPool"]

QUIET = 0.03  # seconds without a write before the demo takes the workers to be done
#: claims are leased in simulated time, which the demo moves by minutes at a time: a lease
#: longer than the whole day keeps a claim from running out while its worker still works
LEASE = 7 * 24 * 3600
#: how old (simulated seconds) an outbox item is before any worker may take it over: the
#: clock stands still while the workers catch up, so the committer keeps its own items
GRACE = 1


class WorkerPool:
    def __init__(
        self, count: int, url: str, definitions: Path, clock: FileClock, folder: Path
    ) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STATEWISE_SMTP")}
        env |= {
            "STATEWISE_CLOCK_FILE": str(clock.path),
            "STATEWISE_EXPORT_DIR": str(folder / "exports"),
        }
        self.clock = clock
        self.log = folder / "workers.log"
        self.procs: list[subprocess.Popen[bytes]] = []
        with self.log.open("ab") as out:
            for n in range(count):
                cmd = [
                    sys.executable, "-m", "engine", "worker", "--db", url,
                    "--definitions", str(definitions), "--app", "engine.reference.app:make",
                    "--owner", f"demo-worker-{n + 1}", "--grace", str(GRACE), "--poll", "0.02",
                    "--batch", "100", "--lease", str(LEASE), "--log-level", "WARNING",
                ]  # fmt: skip
                self.procs.append(
                    subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
                )

    def move(self, store: SqlStore, when: datetime, written: Callable[[], int]) -> None:
        """Set the shared clock to ``when`` and wait until the workers caught up."""
        self.clock.set(when)
        if not _busy(store, when):
            return  # nothing fell due and nothing waits: no need to watch the workers
        quiet_since: tuple[int, float] | None = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for proc in self.procs:
                if proc.poll() is not None:
                    tail = self.log.read_text(errors="replace")[-2000:]
                    raise StatewiseError(f"a demo worker exited ({proc.returncode}):\n{tail}")
            if _busy(store, when):
                quiet_since = None
            else:
                lines = written()
                now = time.monotonic()
                if quiet_since is None or quiet_since[0] != lines:
                    quiet_since = (lines, now)
                elif now - quiet_since[1] >= QUIET:
                    return
            time.sleep(0.005)
        raise StatewiseError(f"the demo workers did not catch up with {when.isoformat()}")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def _busy(store: SqlStore, when: datetime) -> bool:
    """Timers due, or outbox items a worker is performing or may claim now. (An item the
    demo committed less than :data:`GRACE` ago, or one waiting for a retry, is taken up at
    a later move of the clock.)"""
    return bool(store.due(when, 1)) or store.outbox_backlog(when - timedelta(seconds=GRACE)) > 0
