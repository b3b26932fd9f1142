"""Helpers of the operations tests: seeding instances, an SMTP sink, worker processes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from engine import Chart, Engine, ManualClock, MemoryTransport
from engine.store.sql import SqlStore

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = Path(__file__).parent / "definitions"


def seed(
    url: str,
    charts: dict[str, Chart],
    n: int,
    *,
    late: timedelta = timedelta(minutes=5),
    chart: str = "ops.reminder",
    prefix: str = "K",
) -> list[str]:
    """``n`` instances whose first timer is due ``late`` ago (started long enough ago)."""
    store = SqlStore(url)
    try:
        delay = timedelta(hours=1) if chart == "ops.reminder" else timedelta(minutes=1)
        clock = ManualClock(datetime.now(UTC) - delay - late)
        engine = Engine(
            store,
            clock,
            tasks={"charge": lambda *_a, **_k: None},
            transports={"email": MemoryTransport()},
            charts=list(charts.values()),
        )
        ids = []
        for i in range(n):
            context = {"email": f"u{i}@example.com"} if chart == "ops.reminder" else {}
            ids.append(engine.start(chart, context, key=f"{prefix}{i:04d}").id)
        return ids
    finally:
        store.close()


# -- an SMTP server on loopback ---------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class SmtpSink:
    """aiosmtpd on 127.0.0.1; counts messages by their idempotency key."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.keys: Counter[str] = Counter()
        self.messages: list[Any] = []
        self.lock = threading.Lock()
        self.on_message: Callable[[int], None] | None = None
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content)
        with self.lock:
            self.messages.append(mail)
            self.keys[mail["X-Statewise-Idempotency-Key"]] += 1
            count = len(self.messages)
        if self.on_message is not None:
            self.on_message(count)
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


# -- worker processes ---------------------------------------------------------------------
def worker_env(smtp_port: int | None = None, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), str(Path(__file__).parent), env.get("PYTHONPATH")) if p
    )
    if smtp_port is not None:
        env["STATEWISE_SMTP_HOST"] = "127.0.0.1"
        env["STATEWISE_SMTP_PORT"] = str(smtp_port)
        env["STATEWISE_SMTP_SENDER"] = "workflow@example.com"
    env.update(extra)
    return env


def start_worker(url: str, *args: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``statewise worker`` as a process, its log written to ``log``."""
    cmd = [
        sys.executable,
        "-m",
        "engine",
        "worker",
        "--db",
        url,
        "--definitions",
        str(DEFINITIONS),
        "--app",
        "ops_app:make",
        "--poll",
        "0.1",
        *args,
    ]
    with log.open("ab") as out:  # the child keeps its own descriptor
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop_worker(proc: subprocess.Popen[bytes], timeout: float = 10) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout)


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, step: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Raw rows, read with a fresh connection (what another process would see)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql)).all()]
    finally:
        engine.dispose()


class TcpProxy:
    """A TCP proxy on loopback to ``target``; ``stop()`` cuts every connection and refuses
    new ones (the database "goes away"), ``start()`` brings it back on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        if self._server is not None:
            # shutdown wakes the accepting thread; close() alone leaves the port listening
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()
            self._server = None
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            c.close()


def sw(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``statewise ARGV`` in-process: exit code, standard output and error."""
    from engine.cli import main

    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
