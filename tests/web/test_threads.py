"""``statewise serve --threads N``: the handlers run on a pool of N threads, so a process
holds at most N database connections (one per thread) however many requests arrive at once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anyio.to_thread
import pytest
from starlette.testclient import TestClient

from engine.web.app import create_app
from engine.web.config import ServeConfig
from tests.databases import sqlite_copy
from tests.web.shop import DEFINITIONS, add_people, seed_shop


@pytest.mark.parametrize("threads", [2, 40])
def test_the_thread_pool_bounds_the_database_connections(
    sqlite_template: Path, tmp_path: Path, threads: int
) -> None:
    url = sqlite_copy(sqlite_template, tmp_path)
    seed_shop(url)
    token = add_people(url)["ops"]
    config = ServeConfig(db=url, definitions=str(DEFINITIONS), secret="s", threads=threads)
    app = create_app(config)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        assert client.portal is not None
        limiter = client.portal.call(anyio.to_thread.current_default_thread_limiter)
        assert limiter.total_tokens == threads
        with ThreadPoolExecutor(16) as pool:  # 16 clients at once, 96 requests
            answers = list(
                pool.map(lambda _: client.get("/api/v1/charts", headers=headers), range(96))
            )
        assert {a.status_code for a in answers} == {200}
        opened = [c for c in app.state.server.store._db._opened if c.alive]
    # the thread that built the server, and at most one per handler thread
    assert 2 <= len(opened) <= threads + 1
    if threads == 40:
        assert len(opened) > 3  # (the test can tell: without the bound, more threads work)
