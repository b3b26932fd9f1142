"""Migrations: a new database needs no manual SQL, the migration matches the table
definitions, SqlStore refuses a database that is not at the head revision, and the
``statewise db`` command creates, upgrades and checks databases."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url

from engine.cli import main
from engine.store.sql import SchemaNotCurrent, SqlStore, schema
from engine.store.sql.connect import make_engine

CHART = Path(__file__).resolve().parents[1] / "service" / "charts" / "order.yaml"


@pytest.fixture
def fresh_pg(pg_database: str) -> str:
    """An empty database (no tables at all) on the test server, dropped afterwards."""
    url = make_url(pg_database)
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"{url.database}_fresh"
    with psycopg.connect(plain, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)  # type: ignore[misc]
    with psycopg.connect(plain, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'new.db'}"
    url: str = request.getfixturevalue("fresh_pg")
    return url


def test_head_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(schema.alembic_config())
    assert scripts.get_current_head() == schema.HEAD


def test_a_new_database_is_refused_with_the_command_to_run(empty_url: str) -> None:
    with pytest.raises(SchemaNotCurrent) as caught:
        SqlStore(empty_url)
    message = str(caught.value)
    assert "has no statewise tables" in message
    assert "statewise db upgrade --db" in message and "create=True" in message


def test_create_true_migrates_and_the_migration_matches_the_tables(empty_url: str) -> None:
    SqlStore(empty_url, create=True).close()
    engine = make_engine(empty_url)
    try:
        assert schema.current(engine) == schema.HEAD
        assert schema.differences(engine) == []  # autogenerate finds nothing to change
    finally:
        engine.dispose()
    SqlStore(empty_url).close()  # now it opens without create


def test_an_older_revision_is_refused(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        schema.upgrade(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"UPDATE {schema.VERSION_TABLE} SET version_num = '0000'")
    finally:
        engine.dispose()
    with pytest.raises(SchemaNotCurrent, match="is at schema revision 0000"):
        SqlStore(empty_url)


def test_statewise_db_upgrade_and_current(
    empty_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "current", "--db", empty_url]) == 1
    assert "no statewise tables" in capsys.readouterr().out
    assert main(["db", "upgrade", "--db", empty_url]) == 0
    assert f"created the statewise tables (revision {schema.HEAD})" in capsys.readouterr().out
    assert main(["db", "upgrade", "--db", empty_url]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert main(["db", "current", "--db", empty_url]) == 0
    assert f"revision {schema.HEAD}" in capsys.readouterr().out
    SqlStore(empty_url).close()


def test_statewise_db_reads_the_url_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("STATEWISE_DB", url)
    assert main(["db", "upgrade"]) == 0
    assert "created" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["db", "upgrade"], 2, "no database"),
        (["db", "upgrade", "--db", "nonsense"], 2, "Could not parse"),
        (["db", "upgrade", "--db", "mysql://x/y"], 2, "unsupported database"),
        (["db", "upgrade", "--db", "sqlite://"], 2, "database file"),
        (["db", "upgrade", "--db", "sqlite:////no/such/folder/x.db"], 1, "unable to open"),
        (["db", "current", "--db", "sqlite:////no/such/folder/x.db"], 1, "unable to open"),
        (["db"], 2, "ACTION"),
    ],
)
def test_statewise_db_errors_are_reported_not_raised(
    argv: list[str],
    code: int,
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("STATEWISE_DB", raising=False)
    assert main(argv) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_an_unknown_revision_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert main(["db", "upgrade", "--db", url, "--revision", "9999"]) == 2
    assert "9999" in capsys.readouterr().err


def test_help_and_validate_never_import_sqlalchemy() -> None:
    code = (
        "import sys\n"
        "from engine.cli import main\n"
        "for argv in (['--help'], ['db', '--help'], ['db', 'upgrade', '--help'],\n"
        f"             ['validate', {str(CHART)!r}]):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('sqlalchemy' in sys.modules, 'alembic' in sys.modules, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip().splitlines()[-1] == "False False"


def test_the_lazy_export_imports_sqlalchemy_only_when_used() -> None:
    code = (
        "import sys, engine, engine.store\n"
        "before = 'sqlalchemy' in sys.modules\n"
        "cls = engine.SqlStore\n"
        "print(before, 'sqlalchemy' in sys.modules, cls.__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "engine.store.sql.store"]


def test_sqlite_files_are_set_up_for_durability(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    with SqlStore(url, create=True) as store:
        cur = store._db.cursor()
        pragmas = {
            name: cur.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
        assert pragmas == {
            "journal_mode": "wal",
            "synchronous": 1,
            "foreign_keys": 1,
            "busy_timeout": 10_000,
        }
    with SqlStore(url, sqlite_synchronous="FULL", busy_timeout=2) as store:
        cur = store._db.cursor()
        assert cur.execute("PRAGMA synchronous").fetchone()[0] == 2
        assert cur.execute("PRAGMA busy_timeout").fetchone()[0] == 2000
    assert sqlite3.connect(tmp_path / "p.db").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize(
    ("url", "kw", "message"),
    [
        ("sqlite://", {}, "database file"),
        ("sqlite:///:memory:", {}, "database file"),
        ("mysql+pymysql://u@h/db", {}, "unsupported database"),
        ("sqlite:///x.db", {"sqlite_synchronous": "SOMETIMES"}, "sqlite_synchronous"),
    ],
)
def test_bad_urls_and_options_are_refused(url: str, kw: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SqlStore(url, **kw)  # type: ignore[arg-type]


def test_the_migrations_ship_inside_the_package() -> None:
    import tomllib
    from importlib.resources import files

    migrations = files("engine.store.sql.migrations")
    assert migrations.joinpath("env.py").is_file()
    assert migrations.joinpath("script.py.mako").is_file()
    assert migrations.joinpath("versions", "v0001_initial.py").is_file()
    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    data = config["tool"]["setuptools"]["package-data"]["engine"]
    assert "store/sql/migrations/*.mako" in data  # the .py files travel as packages
    deps = " ".join(config["project"]["dependencies"])
    assert "alembic" in deps and "psycopg[binary]" in deps


def test_echo_logs_the_stores_own_statements(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    url = f"sqlite:///{tmp_path / 'echo.db'}"
    SqlStore(url, create=True).close()
    logger = logging.getLogger("sqlalchemy.engine.Engine")
    handlers = list(logger.handlers)
    with caplog.at_level(logging.INFO, logger="sqlalchemy.engine.Engine"):
        store = SqlStore(url, echo=True)
        try:
            assert store.due(datetime.now(UTC)) == ()
        finally:
            store.close()
            for handler in set(logger.handlers) - set(handlers):  # echo's stdout handler
                logger.removeHandler(handler)
    assert any("FROM statewise_timers" in r.getMessage() for r in caplog.records)


def test_upgrading_a_database_with_rows_to_v0005_keeps_them(empty_url: str) -> None:
    """The revision before v0005_scale -> v0005_scale on a database in use: the rows stay,
    the new table and the partial indexes are there (built concurrently on PostgreSQL), and
    the way back works too."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(schema.alembic_config())
    before = scripts.get_revision("v0005_scale").down_revision
    assert isinstance(before, str)
    engine = make_engine(empty_url)
    pg = engine.dialect.name == "postgresql"
    try:
        schema.upgrade(engine, before)
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO statewise_chart_versions (chart, version, source_hash, source, "
                "created) VALUES ('c', 1, 'h', NULL, '2026-01-01 00:00:00')"
            )
            conn.exec_driver_sql(
                "INSERT INTO statewise_instances (id, chart, chart_version, business_key, "
                "configuration, state, state_since, context, history, timers, done, status, "
                "row_version, created, updated) VALUES ('i1', 'c', 1, 'K1', '[\"a\"]', 'a', "
                "'2026-01-01 00:00:00', '{}', '{}', '{}', false, 'active', 1, "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        assert schema.upgrade(engine, "v0005_scale") == (before, "v0005_scale")
        schema.upgrade(engine)
        assert schema.differences(engine) == []
        with engine.connect() as conn:
            if pg:
                found = dict(conn.exec_driver_sql(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'statewise_%%'"
                ).all())  # fmt: skip
            else:
                found = dict(conn.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                ).all())  # fmt: skip
        assert "parent IS NOT NULL" in found["ix_statewise_instances_parent"]
        assert "spawn IS NOT NULL" in found["ix_statewise_instances_spawn"]
        assert "done" in found["ix_statewise_instances_finished"]
        assert "ix_statewise_instances_parent_new" not in found
        with SqlStore(empty_url) as store:
            assert store.load("i1").key == "K1" and store.list_archive().items == ()
        from alembic import command

        config = schema.alembic_config(engine)
        with engine.connect() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, before)
            conn.commit()
        assert schema.current(engine) == before
        assert schema.upgrade(engine) == (before, schema.HEAD)
    finally:
        engine.dispose()
