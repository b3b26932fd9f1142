"""``statewise demo``: a small day holds its invariants and reports every system; the seed
makes it repeatable; the same day runs on PostgreSQL and with a worker process."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.cli import main
from engine.demo.run import script

SYSTEMS = ("== Yes!Cart", "== uStore", "== Click & Collect", "== ATS")


def _day(capsys: pytest.CaptureFixture[str], out: Path, *args: str) -> str:
    code = main(["demo", "--no-progress", "--out", str(out), *args])
    text = capsys.readouterr().out
    assert code == 0, text
    return text


def test_a_small_day(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = _day(capsys, tmp_path / "out", "--orders", "60", "--seed", "3")
    for heading in SYSTEMS:
        assert heading in out
    assert "8 of 8 invariants hold." in out
    assert re.search(r"The day ran in [\d.]+ s: \d+ instances", out)
    assert "payment ledger (" in out and "reconciled: yes" in out
    assert "exports by milestone" in out and "INITPAID ok" in out
    assert "== One order's story: YC" in out
    maps = sorted(p.name for p in (tmp_path / "out" / "heatmaps").iterdir())
    assert len(maps) == 8 and maps[0].startswith("ats.order.")
    assert any((tmp_path / "out" / "exports").rglob("*-INITPAID.json"))
    # plain progress lines when the output is not a terminal
    assert "  100% of the day  Mon 18:00" in out


def test_the_seed_makes_the_day(tmp_path: Path) -> None:
    first, again, other = script(80, 5), script(80, 5), script(80, 6)
    assert [(a.at, a.kind, a.key) for a in first] == [(a.at, a.kind, a.key) for a in again]
    assert [(a.at, a.kind) for a in first] != [(a.at, a.kind) for a in other]
    kinds = {a.kind for a in script(400, 1)}
    for kind in (
        "yc.checkout",
        "yc.pg_callback",
        "yc.cancel_request",
        "yc.return_request",
        "us.submit",
        "us.clearing",
        "cc.new",
        "cc.pickup",
        "ats.checkout",
        "ats.crm",
    ):
        assert kind in kinds  # every kind of fault and follow-up is in a day this size


def test_a_day_on_postgres(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, pg_demo_db: str
) -> None:
    out = _day(capsys, tmp_path / "out", "--orders", "16", "--db", pg_demo_db)
    assert "kept in postgresql+psycopg://" in out
    assert "8 of 8 invariants hold." in out


def test_a_day_with_a_worker_process(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = _day(capsys, tmp_path / "out", "--orders", "10", "--workers", "1")
    assert "with 1 worker process(es)" in out
    assert "8 of 8 invariants hold." in out


def test_a_broken_invariant_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.demo import invariants

    real = invariants.check_all

    def one_broken(*args: object) -> list[invariants.Check]:
        return [*real(*args), invariants.Check("a rule of this test", False, "X1: broken")]  # type: ignore[arg-type]

    monkeypatch.setattr(invariants, "check_all", one_broken)
    assert main(["demo", "--orders", "6", "--no-progress", "--out", str(tmp_path / "o")]) == 1
    out = capsys.readouterr().out
    assert "BROKEN  a rule of this test: X1: broken" in out
    assert "8 of 9 invariants hold." in out
