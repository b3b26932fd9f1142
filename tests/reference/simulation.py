"""A day on the shipped flows with a real worker process and the reference application.

The test plays storefront, operators and integrations (steps committed with their effects
left in the outbox); ``statewise worker --app engine.reference.app:make`` performs every
task, notification, spawn and timer, on a simulated time shared through a clock file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from engine import Instance
from engine.flows import shipped_flows
from engine.ops.setup import deferred_engine, load_definitions
from engine.reference.app import ReferenceSystems, open_systems
from engine.reference.clock import FileClock
from engine.service.ops import send_deferred, start_deferred
from engine.store.sql import SqlStore

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # a Friday


class Simulation:
    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.folder = folder
        self.clock = FileClock(folder / "clock")
        self.clock.set(START)
        self.systems: ReferenceSystems = open_systems(
            url, clock=self.clock, export_folder=folder / "exports"
        )
        self.store = SqlStore(url, cache_size=0)
        self.engine = deferred_engine(
            self.store, load_definitions(shipped_flows()), clock=self.clock
        )
        self.log = folder / "worker.log"
        self.worker: subprocess.Popen[bytes] | None = None

    # -- the worker -------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STATEWISE_SMTP")}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        env["STATEWISE_CLOCK_FILE"] = str(self.clock.path)
        env["STATEWISE_EXPORT_DIR"] = str(self.folder / "exports")
        return env

    def start_worker(
        self,
        *extra: str,
        app: str = "engine.reference.app:make",
        env: Mapping[str, str] | None = None,
    ) -> None:
        cmd = [
            sys.executable,
            "-m",
            "engine",
            "worker",
            "--db",
            self.url,
            "--definitions",
            "builtin:",
            "--app",
            app,
            "--grace",
            "0",
            "--poll",
            "0.05",
            "--lease",
            "2",
            *extra,
        ]
        with self.log.open("ab") as out:
            self.worker = subprocess.Popen(
                cmd,
                cwd=self.folder,
                env={**self.env(), **(env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.worker.terminate()
            self.worker.wait(10)
        self.store.close()
        self.systems.close()

    # -- time and quiet ---------------------------------------------------------------
    def settle(self, timeout: float = 30.0) -> None:
        """Wait until the worker has performed everything committed and fired every timer
        due now (fails with the worker's log after ``timeout``)."""
        end = time.monotonic() + timeout
        quiet_since: tuple[int, float] | None = None
        while time.monotonic() < end:
            if self.worker is not None and self.worker.poll() is not None:
                raise AssertionError(f"the worker exited:\n{self.log.read_text()}")
            if self.store.pending_outbox(1) or self.store.due(self.clock.now(), 1):
                quiet_since = None
            else:
                # the worker may still be applying what a performed item led to (an event
                # for a parent): quiet means nothing was written for a while either
                written = self.systems.db.steps()
                now = time.monotonic()
                if quiet_since is None or quiet_since[0] != written:
                    quiet_since = (written, now)
                elif now - quiet_since[1] >= 0.15:
                    return
            time.sleep(0.05)
        raise AssertionError(f"the worker did not settle:\n{self.log.read_text()[-4000:]}")

    def advance(self, delta: timedelta, *, step: timedelta = timedelta(minutes=5)) -> None:
        """Move the shared time forward in steps, letting the worker settle at each."""
        target = self.clock.now() + delta
        while self.clock.now() < target:
            self.clock.set(min(target, self.clock.now() + step))
            self.settle()

    # -- people and systems acting ------------------------------------------------------
    def start(self, chart: str, context: Mapping[str, Any], key: str) -> Instance:
        made = start_deferred(self.engine, chart, context, key=key)
        self.settle()
        return self.engine.get(made.id)

    def send(
        self,
        chart: str,
        key: str,
        event: str,
        data: Mapping[str, Any] | None = None,
        *,
        roles: Iterable[str] | None = None,
        note: str | None = None,
        actor: str | None = None,
    ) -> Instance:
        found = self.find(chart, key)
        send_deferred(self.engine, found.id, event, data, roles=roles, note=note, actor=actor)
        self.settle()
        return self.engine.get(found.id)

    def find(self, chart: str, key: str) -> Instance:
        found = self.engine.find(chart, key)
        assert found is not None, f"no {chart} {key}"
        return found

    def leaves(self, chart: str, key: str) -> set[str]:
        """The active leaf states by their last name (``in_progress``, ``export_idle``)."""
        return {s.rsplit(".", 1)[-1] for s in self.find(chart, key).leaf_states}
