"""Every command with bad arguments, files and databases: a clear message and the documented
exit code (docs/cli.md: 1 input problems or refused, 2 usage), never a traceback and never
exit 3 ("a bug in statewise").

Each row is ``(arguments, exit code, a fragment of the message)``; ``{name}`` placeholders
are filled from the fixture below (a migrated SQLite database with one instance, the charts
of tests/ops/definitions, broken files and databases).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine import Engine, ManualClock, MemoryTransport, load_chart
from engine.cli import main
from engine.store.sql import SqlStore

OPS = Path(__file__).resolve().parents[1] / "ops"
DEFS = OPS / "definitions"

APP = """
def make():
    raise RuntimeError("the application could not start: no config")


def not_a_mapping():
    return ["tasks"]
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("robust")
    db = tmp / "ok.db"
    store = SqlStore(f"sqlite:///{db}", create=True)
    chart = load_chart(DEFS / "reminder.yaml")
    engine = Engine(store, ManualClock(datetime(2026, 1, 5, tzinfo=UTC)),
                    transports={"email": MemoryTransport()}, charts=[chart])  # fmt: skip
    iid = engine.start(chart, {"email": "ann@example.com"}, key="K1").id
    store.close()
    (tmp / "notdb.db").write_bytes(b"not a database\n" * 100)
    with sqlite3.connect(tmp / "other.db") as other:
        other.execute("CREATE TABLE customers (id INTEGER)")
    (tmp / "binary.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (tmp / "history.json").write_text('[{"event": 1}, "nonsense"]', encoding="utf-8")
    (tmp / "empty").mkdir()
    (tmp / "robust_app.py").write_text(APP, encoding="utf-8")
    sys.path.insert(0, str(tmp))
    deep = "[" * 60_000 + "]" * 60_000
    yield {
        "db": f"sqlite:///{db}",
        "notdb": f"sqlite:///{tmp / 'notdb.db'}",
        "other": f"sqlite:///{tmp / 'other.db'}",
        "nodb": f"sqlite:///{tmp / 'missing.db'}",
        "defs": str(DEFS),
        "chart": str(DEFS / "reminder.yaml"),
        "missing": str(tmp / "missing"),
        "bin": str(tmp / "binary.yaml"),
        "hist": str(tmp / "history.json"),
        "empty": str(tmp / "empty"),
        "id": iid,
        "deep": deep,
        "tmp": str(tmp),
    }
    sys.path.remove(str(tmp))


D = ["--db", "{db}", "--definitions", "{defs}"]
BIG = "99999999999999999999999"

CASES: list[tuple[list[str], int, str]] = [
    # the command line itself
    ([], 2, "usage"),
    (["nope"], 2, "invalid choice"),
    (["--version"], 0, "statewise"),
    # validate
    (["validate"], 2, "required"),
    (["validate", "{missing}"], 2, "no such file or folder"),
    (["validate", "{bin}"], 1, "E005"),
    (["validate", "{chart}", "--stage", "nope"], 2, "invalid choice"),
    (["validate", "{chart}", "--format", "xml"], 2, "invalid choice"),
    # demo
    (["demo", "--definitions", "{missing}"], 2, "no such folder"),
    (["demo", "--definitions", "{empty}"], 2, "no charts"),
    (["demo", "--definitions", "{defs}"], 2, "the demo needs the charts ats.order"),
    (["demo", "--definitions", "builtin:nope"], 2, "no such shipped flow"),
    (["demo", "--orders", "0"], 2, "out of range"),
    (["demo", "--workers", "-1"], 2, "out of range"),
    (["demo", "--seed", "x"], 2, "not a whole number"),
    # flows
    (["flows"], 2, "required"),
    (["flows", "copy"], 2, "copy needs a folder"),
    (["flows", "copy", "{defs}"], 2, "is not empty"),
    (["flows", "copy", "{chart}"], 2, "is a file"),
    (["flows", "list", "{defs}"], 2, "list takes no folder"),
    # reference
    (["reference", "ledger"], 2, "no database"),
    (["reference", "ledger", "--db", "{notdb}"], 1, "cannot open"),
    (["reference", "stock", "--db", "{nodb}"], 1, "no such database file"),
    (["reference", "stock", "--db", "{other}"], 1, "db upgrade"),
    (["reference", "receive", "A", "B", "0", "--db", "{db}"], 2, "out of range"),
    (["reference", "faults", "--db", "{db}"], 2, "required"),
    (["reference", "nope"], 2, "invalid choice"),
    # test
    (["test", "{missing}"], 2, "no such file or folder"),
    (["test", "{empty}"], 2, "no scenario files"),
    # render, diff, docs
    (["render", "{missing}"], 2, "no such file"),
    (["render", "{bin}"], 1, "E005"),
    (["render", "{chart}", "--format", "dot", "-o", "{missing}/out.dot"], 2, "no such folder"),
    (["render", "{chart}", "--format", "dot", "-o", "{empty}"], 2, "is a folder"),
    (["render", "{chart}", "--history", "{missing}"], 2, "no such file"),
    (["render", "{chart}", "--format", "dot", "--history", "{hist}"], 1, "history records"),
    (["render", "{chart}", "--format", "dot", "--history", "{bin}"], 1, "history records"),
    (["render", "{chart}", "--instance", "x"], 2, "--db"),
    (["render", "{chart}", "--format", "dot", "--instance", "nope", "--db", "{db}"], 1, "nope"),
    (["render", "{chart}", "--format", "dot", "--instance", "x", "--db", "{nodb}"], 1, "no such"),
    (["diff", "{missing}", "{chart}"], 2, "no such file"),
    (["diff", "{chart}", "{missing}"], 2, "no such file"),
    (["diff", "{chart}", "{bin}"], 1, "E005"),
    (
        ["diff", "{chart}", "{chart}", "--format", "dot", "-o", "{missing}/d.dot"],
        2,
        "no such folder",
    ),
    (["docs", "{missing}", "-o", "{tmp}/pages"], 2, "no such file or folder"),
    (["docs", "{chart}", "--no-svg", "-o", "{bin}/pages"], 2, "cannot write"),
    (["docs", "{bin}", "--no-svg", "-o", "{tmp}/pages2"], 1, "E005"),
    # db
    (["db"], 2, "upgrade"),
    (["db", "upgrade"], 2, "no database"),
    (["db", "upgrade", "--db", "sqlite://"], 2, "in-memory"),
    (["db", "current", "--db", "http://example.com/db"], 2, "http"),
    (["db", "current", "--db", "{notdb}"], 1, "not a database"),
    (["db", "upgrade", "--db", "{db}", "--revision", "nope"], 2, "nope"),
    (["db", "current", "--db", "{other}"], 1, "no statewise tables"),
    # worker
    (["worker"], 2, "no database"),
    (["worker", "--db", "{db}"], 2, "--definitions"),
    (["worker", *D, "--lease", "inf"], 2, "--lease"),
    (["worker", *D, "--poll", "nan"], 2, "--poll"),
    (["worker", *D, "--grace", "nan"], 2, "--grace"),
    (["worker", *D, "--backoff", "-1"], 2, "--backoff"),
    (["worker", *D, "--batch", "0"], 2, "--batch"),
    (["worker", *D, "--batch", BIG], 2, "--batch"),
    (["worker", *D, "--max-attempts", "0"], 2, "--max-attempts"),
    (["worker", *D, "--app", "robust_app:make"], 2, "the application could not start"),
    (["worker", *D, "--app", "robust_app:not_a_mapping"], 2, "not a mapping"),
    (["worker", *D, "--app", "no_such_module:make"], 2, "cannot import"),
    (["worker", "--db", "sqlite://", "--definitions", "{defs}"], 2, "in-memory"),
    (["worker", "--db", "http://example.com", "--definitions", "{defs}"], 2, "http"),
    (["worker", "--db", "{db}", "--definitions", "{missing}"], 2, "no such folder"),
    (["worker", "--db", "{db}", "--definitions", "{empty}"], 2, "no charts"),
    # outbox
    (["outbox"], 2, "no database"),
    (["outbox", "--db", "{notdb}"], 1, "not a database"),
    (["outbox", "--db", "{other}"], 1, "no statewise tables"),
    (["outbox", "--db", "{nodb}"], 1, "no such database file"),
    (["outbox", "--db", "{db}", "--retry", "nope"], 1, "no dead letter"),
    (["outbox", "--db", "{db}", "--limit", "0"], 2, "--limit"),
    (["outbox", "--db", "{db}", "--limit", BIG], 2, "--limit"),
    (["outbox", "--db", "sqlite://"], 2, "in-memory"),
    # purge, archive, status
    (["purge"], 2, "no database"),
    (["purge", "--db", "{notdb}"], 1, "not a database"),
    (["purge", "--db", "{other}"], 1, "no statewise tables"),
    (["purge", "--db", "{nodb}"], 1, "no such database file"),
    (["purge", "--db", "{db}", "--older-than", "3x"], 2, "not an age"),
    (["purge", "--db", "{db}", "--older-than", "1e300d"], 2, "out of range"),
    (["purge", "--db", "{db}", "--older-than", "infd"], 2, "out of range"),
    (["archive", "--db", "{notdb}"], 1, "not a database"),
    (["archive", "--db", "{db}", "--run"], 2, "--older-than"),
    (["archive", "--db", "{db}", "--limit", BIG], 2, "--limit"),
    (["archive", "nope", "--db", "{db}"], 1, "no archived instance"),
    (["archive", "--db", "{db}", "--export", "{tmp}"], 2, "exists"),
    (["archive", "--db", "{db}", "--after", "x|y"], 2, "cursor"),
    (["status"], 2, "no database"),
    (["status", "--db", "{notdb}"], 1, "not a database"),
    (["status", "--db", "{db}", "--max-lag", "nan"], 2, "--max-lag"),
    (["status", "--db", "{db}", "--max-dead", BIG], 2, "--max-dead"),
    # instances
    (["instances", "no.such.chart", "--db", "{db}"], 1, "no.such.chart"),
    (["instances", "ops.reminder", "--db", "{db}", "--limit", BIG], 2, "--limit"),
    (["instances", "ops.reminder", "--db", "{db}", "--limit", "0"], 2, "--limit"),
    (["instances", "ops.reminder", "--db", "{db}", "--after", "garbage"], 2, "--after"),
    (["instances", "ops.reminder", "--db", "{db}", "--tag", "t"], 2, "--definitions"),
    (["instances", "ops.reminder", *D, "--state", "nowhere"], 1, "nowhere"),
    (["instances", "ops.reminder", "--db", "sqlite://"], 2, "in-memory"),
    (["instances", "ops.reminder", "--db", "http://example.com"], 2, "http"),
    (["instances", "ops.reminder", "--db", "{notdb}"], 1, "not a database"),
    # send
    (["send", "x", *D], 2, "ID EVENT"),
    (["send", "nope", "bump", *D], 1, "nope"),
    (["send", "{id}", "bump", *D, "--data", "{{"], 2, "not JSON"),
    (["send", "{id}", "bump", *D, "--data", "[1]"], 2, "JSON object"),
    (["send", "{id}", "bump", *D, "--data", '{{"deep": {deep}}}'], 2, "nested"),
    (["send", "{id}", "bump", *D, "--data", '{{"x": 1}}'], 1, "takes no data"),
    (["send", "{id}", "after.waiting.0", *D], 1, "cannot be sent from outside"),
    (["send", "{id}", "bump", *D, "--note", "x" * 20_000], 1, "note"),
    (["send", "--chart", "ops.reminder", "--state", "nowhere", "bump", *D], 1, "nowhere"),
    (["send", "{id}", "bump", "--db", "{nodb}", "--definitions", "{defs}"], 1, "no such"),
    # history, note, force
    (["history", "x"], 2, "no database"),
    (["history", "nope", "--db", "{db}"], 1, "nope"),
    (["history", "{id}", "--db", "{other}"], 1, "no statewise tables"),
    (["note", "{id}", "text", "--db", "{db}"], 2, "--actor"),
    (["note", "nope", "text", "--actor", "a", "--db", "{db}"], 1, "nope"),
    (["note", "{id}", "x" * 20_000, "--actor", "a", "--db", "{db}"], 1, "note"),
    (["force", "{id}", "nowhere", "--reason", "r", "--actor", "a", *D], 1, "nowhere"),
    (["force", "{id}", "approved", "--actor", "a", *D], 2, "--reason"),
    (["force", "{id}", "approved", "--reason", " ", "--actor", "a", *D], 2, "reason"),
    # init, schema, lsp
    (["init", "{bin}/project"], 1, "cannot write"),
    (["schema", "-o", "{empty}"], 1, "is a directory"),
    (["lsp", "--bogus"], 2, "unrecognized arguments"),
    # start, explain
    (["start", "no.such.chart", "--db", "{db}"], 1, "no chart"),
    (["start", "ops.reminder", *D, "--context", "{{"], 2, "not JSON"),
    (["start", "ops.reminder", *D, "--context", '{{"email": {deep}}}'], 2, "nested"),
    (["start", "ops.reminder", *D, "--context", '{{"email": 1}}'], 1, "bad context"),
    (["start", "ops.reminder", "--db", "sqlite://"], 2, "in-memory"),
    (["explain", "nope", "bump", "--db", "{db}"], 1, "nope"),
    (["explain", "{id}", "bump", "--db", "{db}", "--data", '{{"deep": {deep}}}'], 2, "nested"),
    (["explain", "x", "bump", "--db", "http://example.com"], 2, "http"),
    # serve, users, tokens
    (["serve", "--db", "{db}"], 2, "no charts"),
    (["serve", "--db", "{db}", "--threads", "0"], 2, "at least 1"),
    (["serve", "--db", "{db}", "--threads", "many"], 2, "at least 1"),
    (["users", "add", "--db", "{db}"], 2, "required"),
    (["users", "list", "--db", "{notdb}"], 1, "not a database"),
    (["tokens", "list", "--db", "{notdb}"], 1, "not a database"),
    (["tokens", "revoke", "nope", "--db", "{db}"], 1, "no active token"),
    # replay, deploy, versions
    (["replay", "--db", "{db}"], 2, "required"),
    (["replay", "{chart}", "--db", "{notdb}"], 1, "not a database"),
    (["deploy", "{missing}", "--db", "{db}"], 2, "no such folder"),
    (["deploy", "{empty}", "--db", "{db}"], 2, "no charts"),
    (["deploy", "{defs}", "--db", "http://example.com"], 2, "http"),
    (["versions", "nope", "--db", "{db}"], 1, "no registered version"),
    (["versions", "nope", "--db", "{notdb}"], 1, "not a database"),
    # migrate
    (
        ["migrate", *D, "--chart", "ops.reminder", "--from-version", "1", "--to", "{missing}"],
        2,
        "no such file",
    ),
    (
        ["migrate", *D, "--chart", "ops.reminder", "--from-version", "1", "--to", "{bin}"],
        1,
        "E005",
    ),
    (
        ["migrate", *D, "--chart", "ops.reminder", "--from-version", "x", "--to", "{chart}"],
        2,
        "invalid int",
    ),
    (
        [
            "migrate",
            *D,
            "--chart",
            "ops.reminder",
            "--from-version",
            "1",
            "--to",
            "{chart}",
            "--map",
            "bad",
        ],
        2,
        "OLD=NEW",
    ),
]


def _fill(arg: str, env: dict[str, str]) -> str:
    return arg.format(**env) if "{" in arg else arg


@pytest.mark.parametrize(
    ("args", "code", "says"), CASES, ids=[" ".join(a)[:70] or "(none)" for a, _, _ in CASES]
)
def test_bad_input_gets_a_message_and_the_documented_code(
    env: dict[str, str],
    args: list[str],
    code: int,
    says: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = [_fill(a, env) for a in args]
    try:
        got = main(argv)
    except SystemExit as exc:  # argparse exits on usage errors and --version
        got = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "internal error" not in err, err
    assert got == code, f"exit {got}: {out[-500:]} {err[-500:]}"
    assert says.lower() in (out + err).lower(), out[-500:] + err[-500:]


def test_the_table_covers_every_command() -> None:
    from engine.cli import COMMANDS

    covered = {a[0] for a, _, _ in CASES if a and not a[0].startswith("-")}
    assert set(COMMANDS) <= covered


def test_json_output_of_a_refusal_is_json(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["send", env["id"], "after.waiting.0", "--db", env["db"], "--definitions",
                 env["defs"], "--json"])  # fmt: skip
    assert code == 1
    assert json.loads(capsys.readouterr().out)["accepted"] is False
