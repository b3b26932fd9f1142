"""``statewise migrate``: dry run (moves, stranded instances, timer changes), real run."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from engine import Chart
from engine.store import Changes
from engine.store.sql import SqlStore
from tests.ops.helpers import DEFINITIONS, rows, seed
from tests.ops.test_commands import Capture, sw

V2 = """
id: ops.reminder
version: 2
context:
  email: string
  n: {type: integer, default: 0}
  level: {type: integer, default: 1}
states:
  pending:
    after:
      - delay: 30m
        target: reminded
  reminded:
    on:
      approve: {target: approved}
    after:
      - delay: 2d
        target: expired
  approved: {type: final}
  expired: {type: final}
"""


@pytest.fixture
def v2(tmp_path: Path) -> Path:
    path = tmp_path / "reminder.v2.yaml"
    path.write_text(V2, encoding="utf-8")
    return path


def test_dry_run_then_real_run(
    db_url: str, charts: dict[str, Chart], v2: Path, capsys: Capture
) -> None:
    ids = seed(db_url, charts, 3, late=timedelta(minutes=-30))
    base = ("migrate", "--db", db_url, "--definitions", str(DEFINITIONS), "--chart",
            "ops.reminder", "--from-version", "1", "--to", str(v2))  # fmt: skip
    assert sw(capsys, "force", ids[2], "reminded", "--reason", "r", "--actor", "a",
              "--db", db_url, "--definitions", str(DEFINITIONS))[0] == 0  # fmt: skip
    with SqlStore(db_url) as store:
        before = {i: store.load(i) for i in ids}

    code, out, _ = sw(capsys, *base, "--dry-run")
    assert code == 1 and "2 stranded" in out and "no mapping for state 'waiting'" in out
    code, out, _ = sw(capsys, *base, "--dry-run", "--map", "waiting=nowhere")
    assert code == 1 and "maps to 'nowhere'" in out
    code, out, _ = sw(capsys, *base, "--dry-run", "--map", "waiting=pending", "--json")
    assert code == 0
    report = json.loads(out)
    plans = {m["id"]: m for m in report["would_move"]}
    assert report["stranded"] == [] and set(plans) == set(ids)
    assert plans[ids[0]]["to"] == ["pending"]
    assert plans[ids[0]]["timers"] == {
        "kept": [], "cancelled": ["waiting#0"], "started": ["pending#0"]
    }  # fmt: skip
    assert plans[ids[2]]["timers"]["kept"] == ["reminded#0"]
    with SqlStore(db_url) as store:  # the dry run changed nothing
        assert {i: store.load(i) for i in ids} == before

    code, out, _ = sw(capsys, *base, "--map", "waiting=pending", "--actor", "ops")
    assert code == 0 and "3 instance(s) moved to version 2" in out
    with SqlStore(db_url) as store:
        for iid in ids:
            record = store.load(iid)
            assert record.version == 2 and record.row_version == before[iid].row_version + 1
            assert set(store.timers(iid)) == set(record.snapshot.timers)
            assert record.snapshot.context["level"] == 1
            last = store.history(iid)[-1]
            assert last.kind == "forced" and last.actor == "ops"
            assert last.data == {"from_version": 1, "to_version": 2}
        moved = store.load(ids[2])
        assert moved.snapshot.timers["reminded#0"] == before[ids[2]].snapshot.timers["reminded#0"]
    code, out, _ = sw(capsys, "instances", "ops.reminder", "--db", db_url, "--json")
    assert {i["version"] for i in json.loads(out)["items"]} == {2}
    # the stored state string holds the leaf states only (the root once leaked in: ",pending")
    assert sorted(r[0] for r in rows(db_url, "SELECT state FROM statewise_instances")) == [
        "pending",
        "pending",
        "reminded",
    ]
    code, out, _ = sw(capsys, "instances", "ops.reminder", "--db", db_url, "--count", "--json")
    assert json.loads(out)["states"] == {"pending": 2, "reminded": 1}
    with SqlStore(db_url) as store:
        assert all("" not in store.load(i).snapshot.configuration for i in ids)
    code, out, _ = sw(capsys, *base, "--map", "waiting=pending")
    assert code == 0 and "0 instance(s) moved" in out  # nothing left on version 1


def test_usage_errors(db_url: str, v2: Path, capsys: Capture) -> None:
    base = ("migrate", "--db", db_url, "--definitions", str(DEFINITIONS), "--chart",
            "ops.reminder", "--to", str(v2))  # fmt: skip
    code, _, err = sw(capsys, *base, "--from-version", "7")
    assert code == 2 and "version 7" in err
    code, _, err = sw(capsys, *base, "--from-version", "1", "--map", "oops")
    assert code == 2 and "OLD=NEW" in err
    code, _, err = sw(capsys, *base, "--from-version", "1", "--map", "ghost=pending")
    assert code == 2 and "no state 'ghost'" in err


def test_a_migration_runs_in_batches_and_a_move_that_fails_fails_alone(
    db_url: str, charts: dict[str, Chart], v2: Path
) -> None:
    from datetime import UTC, datetime

    from engine import load_chart
    from engine.ops.migration import Migration, migrate

    ids = seed(db_url, charts, 5, late=timedelta(minutes=-30))
    migration = Migration(charts["ops.reminder"], load_chart(v2), {"waiting": "pending"})
    calls: list[tuple[int, int]] = []
    with SqlStore(db_url) as store:
        save_many = store.save_many

        def racing(units: list) -> list:  # type: ignore[type-arg]
            if units and units[0].instance_id == ids[2]:  # the second batch: ids 2 and 3
                with SqlStore(db_url) as other:  # someone changes instance 2 meanwhile
                    other.save(ids[2], other.load(ids[2]).snapshot, status="active",
                               expected_version=1, time=datetime.now(UTC), changes=Changes())  # fmt: skip
            return save_many(units)

        store.save_many = racing  # type: ignore[method-assign]
        moves = migrate(store, migration, dry_run=False, actor="ops",
                        now=datetime.now(UTC), progress=lambda d, t: calls.append((d, t)),
                        batch_size=2)  # fmt: skip
        assert calls == [(2, 5), (4, 5), (5, 5)]
        problems = {m.id: m.problem for m in moves}
        assert set(problems) == set(ids)
        assert problems[ids[2]] is not None and "changed concurrently" in problems[ids[2]]
        assert [store.load(i).version for i in ids] == [2, 2, 1, 2, 2]
