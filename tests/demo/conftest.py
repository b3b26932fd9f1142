"""A fresh PostgreSQL database for a demo day (the demo needs an empty one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.databases import fresh_pg_database


@pytest.fixture
def pg_demo_db() -> Iterator[str]:
    yield from fresh_pg_database("statewise_demo")
