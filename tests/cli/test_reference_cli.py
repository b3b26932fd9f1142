"""`statewise reference`: the ledger, the stock, receipts that wake back-orders, faults,
exports, the mailbox and the CRM switch, read and worked from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine import Engine, ManualClock
from engine.cli import main
from engine.reference.app import ReferenceSystems
from tests.reference.world import world


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[str, Engine, ReferenceSystems]]:
    with world(tmp_path) as w:
        inv = w.systems.inventory
        inv.add_warehouse("MAIN", "Main")
        inv.add_sku("STD", "Standard")
        inv.add_sku("BACK", "Back-order", availability="backorder")
        inv.stock_in("STD", "MAIN", 10)
        inv.stock_in("BACK", "MAIN")
        engine = w.engine
        context = {
            "order_no": "O1", "shop_code": "SHOP10", "customer_email": "a@example.com",
            "shop_admin_email": "b@example.com", "payment_mode": "online_capture",
            "total": "30.00",
            "deliveries": [{"number": "O1-1", "group": "D3", "amount": "30.00",
                            "lines": [{"sku": "BACK", "qty": 2, "warehouse": "MAIN"}]}],
        }  # fmt: skip
        order = engine.start("yescart.order", context, key="O1")
        engine.send(order.id, "evt.pending")
        yield w.url, engine, w.systems


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["reference", *argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_ledger(
    shop: tuple[str, Engine, ReferenceSystems], capsys: pytest.CaptureFixture[str]
) -> None:
    url = shop[0]
    code, out = run(capsys, "ledger", "O1", "--db", url)
    assert code == 0
    assert "O1     30.00       30.00     0.00      0.00         30.00" in out
    assert "AUTH_CAPTURE" in out
    code, out = run(capsys, "ledger", "--db", url, "--json")
    assert json.loads(out)["total"]["captured"] == "30.00"


def test_stock_and_a_receipt_that_wakes_a_back_order(
    shop: tuple[str, Engine, ReferenceSystems], capsys: pytest.CaptureFixture[str]
) -> None:
    url, engine, _systems = shop
    code, out = run(capsys, "stock", "--db", url)
    assert code == 0 and "BACK  MAIN       0         2" in out and "reconciled: yes" in out
    code, out = run(capsys, "receive", "BACK", "MAIN", "5", "--db", url)
    assert code == 0
    assert "received 5 x BACK in MAIN" in out
    assert "delivery O1-1: told (a worker allocates it)" in out
    # the step is committed; its task waits in the outbox for a worker
    delivery = engine.find("yescart.delivery", "O1-1")
    assert delivery is not None
    assert [i.effect.task for i in engine.store.pending_outbox()] == ["allocate_inventory"]  # type: ignore[attr-defined]
    # the command ran on the wall clock; retry_effects takes pending items older than its
    # grace only (a younger one may be in the hands of the process that wrote it)
    clock = engine.clock
    assert isinstance(clock, ManualClock)
    clock.set(datetime.now(UTC) + timedelta(minutes=5))
    engine.retry_effects()
    assert engine.get(delivery.id).leaf_states == ("stock_allocated.inventory_allocated",)
    code, _out = run(capsys, "receive", "NOPE", "MAIN", "5", "--db", url)
    assert code == 1


def test_faults_exports_mail_and_crm(
    shop: tuple[str, Engine, ReferenceSystems], capsys: pytest.CaptureFixture[str]
) -> None:
    url = shop[0]
    assert run(capsys, "faults", "O2", "AUTH_FAIL", "REFUND_FAIL_SEQNO_84.77", "--db", url) == (
        0,
        "order O2: AUTH_FAIL, REFUND_FAIL_SEQNO_84.77\n",
    )
    assert run(capsys, "faults", "O2", "AUTH_FAIL", "--clear", "--db", url)[1] == (
        "order O2: REFUND_FAIL_SEQNO_84.77\n"
    )
    code, out = run(capsys, "faults", "O2", "NOT_A_FAULT", "--db", url)
    assert code == 2 and "unknown payment fault 'NOT_A_FAULT'" in out
    code, out = run(capsys, "mail", "--db", url)
    assert code == 0 and "order_new" in out
    assert run(capsys, "exports", "--db", url)[0] == 0
    assert (
        run(capsys, "crm", "--outage", "maintenance", "--db", url)[1]
        == "CRM: failing (maintenance)\n"
    )
    assert run(capsys, "crm", "--restore", "--db", url)[1] == "CRM: answering\n"


def test_without_a_database(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STATEWISE_DB", raising=False)
    code, out = run(capsys, "stock")
    assert code == 2 and "no database" in out
