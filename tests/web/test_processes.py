"""Several ``statewise serve`` processes on one PostgreSQL database: the same webhook sent to
all of them at once, with one Idempotency-Key, is applied once; a restarted process gives
the first answer back; a session made by one process works on the others."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.databases import empty_pg
from tests.ops.helpers import free_port
from tests.web.shop import DEFINITIONS, ROOT, add_people, seed_shop

httpx = pytest.importorskip("httpx2", reason="httpx2 (the dev extra) is not installed")


def _serve(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "engine", "serve", "--db", url, "--definitions",
           str(DEFINITIONS), "--port", str(port), "--log-level", "warning"]  # fmt: skip
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"serve did not start: {log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_one_key_is_applied_once_across_processes_and_restarts(
    pg_database: str, tmp_path: Path
) -> None:
    url = pg_database
    empty_pg(url)
    shop = seed_shop(url, waiting=0, in_progress=1, in_transit=0)
    tokens = add_people(url)
    ports = [free_port() for _ in range(3)]
    procs = [_serve(url, p, tmp_path / f"serve-{p}.log") for p in ports]
    try:
        delivery = shop.to_pack[0]
        headers = {"Authorization": f"Bearer {tokens['feed']}", "Idempotency-Key": "carrier-42"}
        hook = {"event": "evt.delivery.update", "data": {"all_lines_delivered": True}}
        answers: list[Any] = []
        start = threading.Barrier(len(ports) * 3)

        def send(port: int) -> None:
            start.wait()
            answers.append(httpx.post(f"http://127.0.0.1:{port}/api/v1/instances/{delivery}/events",
                                      json=hook, headers=headers, timeout=30))  # fmt: skip

        threads = [threading.Thread(target=send, args=(p,)) for p in ports * 3]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ok = [a for a in answers if a.status_code == 200]
        busy = [a for a in answers if a.status_code == 409]
        assert len(ok) + len(busy) == 9, [a.text for a in answers]
        assert all(a.json()["code"] == "idempotency_in_progress" for a in busy)
        assert len({a.text for a in ok}) == 1  # every answer is the first answer
        ops = {"Authorization": f"Bearer {tokens['ops']}"}
        trail = httpx.get(f"http://127.0.0.1:{ports[0]}/api/v1/instances/{delivery}/history",
                          headers=ops).json()  # fmt: skip
        assert [e["event"] for e in trail].count("evt.delivery.update") == 1
        # a restarted process still knows the key (it is kept in SQL)
        _stop(procs[0])
        procs[0] = _serve(url, ports[0], tmp_path / "restarted.log")
        again = httpx.post(f"http://127.0.0.1:{ports[0]}/api/v1/instances/{delivery}/events",
                           json=hook, headers=headers)  # fmt: skip
        assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
        assert again.text == (ok[0].text if ok else again.text)
        trail = httpx.get(f"http://127.0.0.1:{ports[1]}/api/v1/instances/{delivery}/history",
                          headers=ops).json()  # fmt: skip
        assert [e["event"] for e in trail].count("evt.delivery.update") == 1
        # a console session signed by one process is good on another (shared secret)
        with httpx.Client(base_url=f"http://127.0.0.1:{ports[1]}") as one:
            form = one.get("/signin").text
            csrf = form.split('name="csrf" value="')[1].split('"')[0]
            one.post("/signin", data={"csrf": csrf, "name": "ann",
                                      "password": "correct horse battery", "next": "/"})  # fmt: skip
            cookie = one.cookies.get("sw_session")
        assert cookie
        other = httpx.get(f"http://127.0.0.1:{ports[2]}/api/v1/me",
                          cookies={"sw_session": cookie}).json()  # fmt: skip
        assert other["name"] == "ann"
    finally:
        for p in procs:
            _stop(p)
