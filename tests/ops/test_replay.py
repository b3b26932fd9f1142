"""``statewise replay`` on SQLite and PostgreSQL: a day of ``rp.order`` instances replayed
against candidates, nothing written, agreement with ``statewise migrate``, the command."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from engine import load_chart
from engine.ops.replay import replay
from engine.replay.instance import NOT_RECORDED
from engine.store.sql import SqlStore
from tests.ops.test_commands import Capture, sw
from tests.replay.helpers import CHART, Plan, plans, seed_day, variant

GUARD = "guard: total <= 1000"


@pytest.fixture
def day(db_url: str) -> tuple[str, list[Plan], dict[str, str]]:
    orders = plans(30, seed=5)
    return db_url, orders, seed_day(db_url, orders)


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Every table of the database: its row count and a digest of all its rows."""
    engine = create_engine(url)
    try:
        out = {}
        with engine.connect() as conn:
            for table in sorted(inspect(conn).get_table_names()):
                rows = conn.execute(text(f"SELECT * FROM {table}")).all()
                digest = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
                out[table] = (len(rows), digest)
        return out
    finally:
        engine.dispose()


def test_replay_finds_exactly_the_changed_instances_and_writes_nothing(
    day: tuple[str, list[Plan], dict[str, str]], tmp_path: Path
) -> None:
    url, orders, ids = day
    before = fingerprint(url)
    assert before["statewise_audit"][0] > len(orders)  # there is history to replay
    reworded = variant(
        tmp_path,
        ("id: rp.order", "id: rp.order\ntitle: Orders, reworded\ndescription: same meaning"),
        ("manual: {label: Ship, roles: [warehouse]}", "manual: {roles: [warehouse], label: Send}"),
        ("  shipped: {type: final}\n  cancelled: {type: final}\n",
         "  cancelled: {type: final}\n  shipped: {type: final}\n"),
        name="reworded",
    )  # fmt: skip
    with SqlStore(url) as store:
        same = replay(store, load_chart(reworded))  # version 2, same meaning
        assert [r.outcome for r in same.results] == ["identical"] * len(orders)
        assert same.ok and same.groups() == []
        assert min(r.steps for r in same.results) > 1  # whole histories, not only starts

        later = replay(store, load_chart(variant(
            tmp_path, ("- assign: {checked_at: now()}", "- assign: {checked_at: now() + 1s}"), name="t"
        )))  # fmt: skip
        checked = {ids[p.key] for p in orders if p.pay is not None and p.cancel is None
                   and p.total <= 1000 and p.stock_ok}  # fmt: skip
        assert checked and {r.id for r in later.results if r.outcome == "diverged"} == checked
        for r in later.results:  # the task outcome replayed at the time it came
            if r.first is not None:
                outcome = next(a for a in store.history(r.id) if a.seq == r.first.seq)
                assert outcome.event == "done.invoke.check_stock" == r.first.event
                assert r.first.time == outcome.time

        changed = replay(store, load_chart(variant(tmp_path, (GUARD, "guard: total <= 500"))))
        expected = {ids[p.key] for p in orders
                    if p.pay is not None and p.cancel is None and 500 < p.total <= 1000}  # fmt: skip
        assert expected and {r.id for r in changed.results if r.outcome == "diverged"} == expected
        assert not changed.ok
        groups = changed.groups()  # paid while fresh, or after the reminder
        assert {g.event for g in groups} == {"pay"}
        assert sum(g.count for g in groups) == len(expected)
        assert {g.state for g in groups} <= {("open.fresh",), ("open.reminded",)}

        cancel = ("      cancel:\n        target: cancelled\n        manual: {label: Cancel order, "
                  "roles: [clerk], note_required: true}\n")  # fmt: skip
        removed = replay(store, load_chart(variant(tmp_path, (cancel, ""), name="removed")))
        cancelled = {ids[p.key] for p in orders if p.cancel is not None}
        assert cancelled and {r.id for r in removed.results if r.outcome == "refused"} == cancelled

        delayed = replay(store, load_chart(variant(tmp_path, ("delay: 2h", "delay: 3h"), name="d")))
        fired = {r.id: r.first for r in delayed.results if r.outcome == "diverged"}
        assert fired and all(
            f is not None and f.event == "after.open.fresh.0" for f in fired.values()
        )
        for p in orders:  # each at its own recorded time: start + 2h
            if ids[p.key] in fired:
                assert fired[ids[p.key]].time == store.load(ids[p.key]).created + timedelta(hours=2)  # type: ignore[union-attr]

    assert fingerprint(url) == before  # not one row changed, in any table


def test_selection_by_state_status_and_start_time(
    day: tuple[str, list[Plan], dict[str, str]],
) -> None:
    url, orders, ids = day
    with SqlStore(url) as store:
        everything = {r.id for r in replay(store, load_chart(CHART)).results}
        assert everything == set(ids.values())
        shipped = replay(store, load_chart(CHART), state="shipped")
        assert {r.id for r in shipped.results} == {
            i for i in ids.values() if "shipped" in store.load(i).snapshot.configuration
        }
        ready = replay(store, load_chart(CHART), state="ready", limit=2)
        assert 0 < len(ready.results) <= 2
        assert all("ready" in store.load(r.id).snapshot.configuration for r in ready.results)
        done = replay(store, load_chart(CHART), status="done")
        assert {r.status for r in done.results} == {"done"}
        late = store.load(ids[orders[20].key]).created
        since = replay(store, load_chart(CHART), since=late)
        assert {r.key for r in since.results} == {p.key for p in orders[20:]}
        assert len(replay(store, load_chart(CHART), limit=7).results) == 7


def test_the_state_mapping_agrees_with_migrate(
    day: tuple[str, list[Plan], dict[str, str]], tmp_path: Path, capsys: Capture
) -> None:
    """A candidate with renamed states replays clean through the mapping, and puts every
    running instance in the states the migration moves it to."""
    url, _, ids = day
    renamed = variant(tmp_path, ("      fresh:\n", "      new_order:\n"),
                      ("initial: fresh", "initial: new_order"), ("  review:\n", "  in_review:\n"),
                      ("        - target: review\n", "        - target: in_review\n"))  # fmt: skip
    mapping = {"fresh": "new_order", "review": "in_review"}
    with SqlStore(url) as store:
        unmapped = replay(store, load_chart(renamed))
        assert {r.outcome for r in unmapped.results} == {"diverged"}
        report = replay(store, load_chart(renamed), mapping=mapping)
    assert {r.outcome for r in report.results} == {"identical"}
    final = {r.id: r.states for r in report.results}

    definitions = tmp_path / "v1"
    definitions.mkdir()
    (definitions / "order.yaml").write_text(CHART.read_text(encoding="utf-8"), encoding="utf-8")
    maps = [x for k, v in mapping.items() for x in ("--map", f"{k}={v}")]
    code, out, err = sw(capsys, "migrate", "--db", url, "--definitions", str(definitions),
                        "--chart", "rp.order", "--from-version", "1", "--to", str(renamed),
                        *maps, "--dry-run", "--json")  # fmt: skip
    assert code == 0, err
    moves = json.loads(out)["would_move"]
    with SqlStore(url) as store:
        active = {i for i in ids.values() if store.load(i).status == "active"}
    assert active and {m["id"] for m in moves} == active
    for move in moves:
        assert tuple(move["to"]) == final[move["id"]]


def test_history_recorded_before_v0006_is_skipped(
    day: tuple[str, list[Plan], dict[str, str]],
) -> None:
    url, orders, ids = day
    old = ids[orders[0].key]
    engine = create_engine(url)
    with engine.begin() as conn:  # as a database upgraded from 0001 keeps its old lines
        conn.execute(
            text("UPDATE statewise_audit SET origin = NULL, roles = NULL, changes = NULL, "
                 "effects = NULL WHERE instance_id = :id"),
            {"id": old},
        )  # fmt: skip
    engine.dispose()
    with SqlStore(url) as store:
        report = replay(store, load_chart(CHART))
    skipped = [r for r in report.results if r.outcome == "skipped"]
    assert [(r.id, r.reason) for r in skipped] == [(old, NOT_RECORDED)]
    assert report.ok and report.counts()["identical"] == len(orders) - 1


def test_trails_leave_out_steps_after_the_row_they_were_read_with(db_url: str) -> None:
    ids = seed_day(db_url, [Plan("A", 10, 5, None, None, True)], until=timedelta(minutes=10))
    with SqlStore(db_url) as store:
        ((record, trail),) = store.with_trails([ids["A"], "missing"])
        assert [a.seq for a in trail if a.kind != "log"][-1] == record.row_version
        assert trail[0].kind == "start" and trail[0].data["total"] == 10
        pay = next(a for a in trail if a.event == "pay")
        assert pay.origin == "external" and pay.roles is None and pay.actor == "shop"
        assert set(pay.changes or {}) == {"paid_at"}
        assert any(e.get("notify") == "receipt" for e in pay.effects or ())
        assert {"open.fresh", "checking", "ready"} <= store.state_ids("rp.order")
        assert store.with_trails([]) == []


# -- the command ----------------------------------------------------------------------------


def test_the_command_reports_and_exits_by_what_it_found(
    day: tuple[str, list[Plan], dict[str, str]], tmp_path: Path, capsys: Capture
) -> None:
    url, orders, _ = day
    code, out, err = sw(capsys, "replay", "--db", url, str(CHART))
    assert code == 0, err
    assert f"{len(orders)} instance(s) replayed against version 1" in out
    assert f"{len(orders)} identical, 0 diverged, 0 refused, 0 skipped" in out

    guard = variant(tmp_path, (GUARD, "guard: total <= 500"))
    svg = tmp_path / "replay.svg"
    code, out, err = sw(capsys, "replay", "--db", url, str(guard), "--diagram", str(svg))
    assert code == 1, err
    assert "Where instances first part from their history" in out
    assert "pay" in out and "the candidate in review" in out
    assert (
        svg.read_text(encoding="utf-8").startswith("<?xml") and "diverge on pay" in svg.read_text()
    )

    code, out, _ = sw(capsys, "replay", "--db", url, str(guard), "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False and len(report["instances"]) == len(orders)
    diverged = [i for i in report["instances"] if i["outcome"] == "diverged"]
    assert diverged and diverged[0]["first"]["event"] == "pay"
    assert sum(g["diverged"] for g in report["groups"]) == len(diverged)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--map", "fresh"], "expected OLD=NEW"),
        (["--since", "yesterday"], "--since 'yesterday'"),
        (["--limit", "0"], "--limit must be at least 1"),
        (["--diagram", "out.mmd"], "needs a Graphviz format"),
        (["--map", "fresh=fresh", "--map", "nowhere=x"], None),
    ],
)
def test_usage_errors_exit_2(
    db_url: str, args: list[str], message: str | None, capsys: Capture
) -> None:
    seed_day(db_url, [Plan("A", 10, 5, None, None, True)], until=timedelta(minutes=10))
    code, out, err = sw(capsys, "replay", "--db", db_url, str(CHART), *args)
    if message is None:  # a reference no stored state matches is a warning, not an error
        assert code == 0 and "warning: --map nowhere=x: no stored instance" in out
        return
    assert code == 2 and message in err and "Traceback" not in err


def test_a_missing_or_broken_candidate(db_url: str, tmp_path: Path, capsys: Capture) -> None:
    code, _, err = sw(capsys, "replay", "--db", db_url, str(tmp_path / "none.yaml"))
    assert code == 2 and "no such file" in err
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: rp.order\nversion: 1\nstates: {a: {on: {go: nowhere}}}\n")
    code, _, err = sw(capsys, "replay", "--db", db_url, str(broken))
    assert code == 1 and "nowhere" in err
    code, _, err = sw(capsys, "replay", str(CHART))
    assert code == 2 and "no database" in err
