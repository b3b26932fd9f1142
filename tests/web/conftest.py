"""Fixtures of the console and API tests: a seeded shop on SQLite or PostgreSQL, the
application in-process (Starlette's test client), signed-in clients.

PostgreSQL comes from ``STATEWISE_TEST_POSTGRES_URL`` (see tests/databases.py); without a
server those tests skip, unless ``STATEWISE_REQUIRE_POSTGRES=1``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import databases
from tests.databases import empty_pg, fresh_pg_database, sqlite_copy
from tests.web.shop import DEFINITIONS, PASSWORD, Shop, add_people, seed_shop

pytest.importorskip("starlette", reason="the serve extra is not installed (pip install '.[serve]')")
pytest.importorskip("httpx2", reason="httpx2 (the dev extra) is not installed")

from starlette.testclient import TestClient

from engine.web.app import create_app
from engine.web.config import ServeConfig


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    yield from fresh_pg_database("statewise_web")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.sqlite_template(tmp_path_factory.mktemp("template"))


@dataclass
class Served:
    url: str
    shop: Shop
    tokens: dict[str, str]
    client: TestClient

    def signed_in(self, name: str = "ann") -> TestClient:
        """A client of the same app, signed in as ``name`` (a new cookie jar)."""
        client = TestClient(self.client.app)
        page = client.get("/signin")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        answer = client.post(
            "/signin",
            data={"csrf": csrf, "name": name, "password": PASSWORD, "next": "/"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        return client

    def api(self, token: str = "ops") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[token]}"}


def _served(url: str) -> Iterator[Served]:
    shop = seed_shop(url)
    tokens = add_people(url)
    app = create_app(ServeConfig(db=url, definitions=str(DEFINITIONS), secret="test-secret"))
    with TestClient(app) as client:
        yield Served(url, shop, tokens, client)


@pytest.fixture(params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """The application over a seeded shop, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    else:
        url = request.getfixturevalue("pg_database")
        empty_pg(url)
    yield from _served(url)


@pytest.fixture
def served_sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    url = sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    yield from _served(url)
