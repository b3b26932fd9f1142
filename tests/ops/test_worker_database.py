"""``statewise worker --once`` on a database that cannot work ends with exit 1 in bounded
time (it used to retry forever); a long-running worker keeps retrying (see
test_worker_lifecycle.py: the SQLite file away and back, PostgreSQL refused then back)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import fresh_pg_database, plain
from tests.ops.helpers import DEFINITIONS, ROOT, free_port, worker_env

#: generous: three attempts with a 0.1 s poll take about a second plus start-up
BOUND = 30.0


def _once(url: str) -> tuple[int, str, float]:
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "worker",
            "--once",
            "--poll",
            "0.1",
            "--db",
            url,
            "--definitions",
            str(DEFINITIONS),
            "--app",
            "ops_app:make",
        ],
        cwd=ROOT,
        env=worker_env(free_port()),
        capture_output=True,
        text=True,
        timeout=BOUND * 2,
    )
    return done.returncode, done.stderr, time.monotonic() - started


def _sqlite(tmp_path: Path, kind: str) -> str:
    path = tmp_path / f"{kind}.db"
    if kind == "not-a-database":
        path.write_bytes(b"this is not a database, just some text\n" * 100)
    elif kind == "other-schema":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("missing", "no such database file"),
        ("not-a-database", "not a database"),
        ("other-schema", "no statewise tables"),
    ],
)
def test_once_on_a_sqlite_file_that_cannot_work(tmp_path: Path, kind: str, says: str) -> None:
    code, err, took = _once(_sqlite(tmp_path, kind))
    assert code == 1, err
    assert says in err and "Traceback" not in err
    assert took < BOUND


def test_once_on_a_refused_connection() -> None:
    code, err, took = _once(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere")
    assert code == 1, err
    assert "the database cannot be used (3 attempts)" in err and "Traceback" not in err
    assert took < BOUND


@pytest.fixture
def read_only_pg() -> Iterator[str]:
    import psycopg

    for url in fresh_pg_database("statewise_ro"):
        with psycopg.connect(plain(url), autocommit=True) as conn:
            name = conn.info.dbname
            conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        yield url


def test_once_on_a_read_only_database(read_only_pg: str) -> None:
    code, err, took = _once(read_only_pg)
    assert code == 1, err
    assert "read-only transaction" in err and "Traceback" not in err
    assert took < BOUND
