"""A worker killed (SIGKILL) right after a reference system did its work, before the engine
saved the outcome: the restarted worker performs the call again with the same idempotency
key, and nothing is charged, reserved, exported or posted twice. (Every kind on a SQLite
file; the charge on PostgreSQL too, where the database checks the same unique key.)"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.reference import tables as t
from tests.reference.simulation import Simulation

APP = "tests.reference.crash_app:make"


@pytest.fixture
def sim(request: pytest.FixtureRequest, sqlite_url: str, tmp_path: Path) -> Iterator[Simulation]:
    """On a SQLite file; the charge (``on_postgres``) on PostgreSQL too."""
    url = request.getfixturevalue("pg_url") if getattr(request, "param", "") == "pg" else sqlite_url
    made = Simulation(url, tmp_path)
    yield made
    made.stop()


def count(sim: Simulation, table: t.Table, *where: object) -> int:
    with sim.systems.db.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _yescart(sim: Simulation) -> None:
    inv = sim.systems.inventory
    inv.add_warehouse("MAIN", "Main")
    inv.add_sku("STD", "Standard")
    inv.stock_in("STD", "MAIN", 10)
    sim.systems.exports.register("SHOP10", "FILE", kind="json_file", milestone="INITPAID")
    context = {
        "order_no": "800",
        "shop_code": "SHOP10",
        "customer_email": "ann@example.com",
        "shop_admin_email": "orders@shop.example",
        "payment_mode": "online_capture",
        "total": "100.00",
        "export_job_enabled": True,
        "deliveries": [
            {
                "number": "800-1",
                "group": "D1",
                "amount": "100.00",
                "lines": [{"sku": "STD", "qty": 3, "warehouse": "MAIN"}],
            }
        ],
    }
    sim.start("yescart.order", context, "800")
    sim.send("yescart.order", "800", "evt.pending")


def _collect(sim: Simulation) -> None:
    context = {
        "document_no": "S-800",
        "reference_no": "SO-800",
        "sales_order_no": "SO-800",
        "from_store_code": "WEB",
        "to_store_code": "STORE2",
        "customer_email": "ann@example.com",
        "order_amount": "80.00",
        "prepayment_percent": "100",
        "ic_clearing": "at_shipment",
    }
    sim.start("collect.send_to_store", context, "S-800")
    sim.advance(timedelta(seconds=10), step=timedelta(seconds=10))
    sim.send("collect.collect_in_store", "CS-800", "confirm", roles={"store_staff"})
    sim.send("collect.collect_in_store", "CS-800", "pos.delivered", {"pos_entry_no": "T-9"})


@pytest.mark.parametrize("sim", ["sqlite", "pg"], indirect=True)
def test_a_charge_after_a_crash_is_not_repeated(sim: Simulation) -> None:
    _crash_then_restart(sim, "authorize_payment", _yescart)
    assert count(sim, t.payments, t.payments.c.order_no == "800") == 1  # one AUTH_CAPTURE
    assert sim.systems.payments.balance("800").paid == 100
    assert "in_progress" in sim.leaves("yescart.order", "800")


def test_a_reservation_after_a_crash_is_not_repeated(sim: Simulation) -> None:
    _crash_then_restart(sim, "reserve_inventory", _yescart)
    assert [(r.quantity, r.reserved) for r in sim.systems.inventory.stock()] == [(10, 3)]
    assert count(sim, t.reservations) == 1
    assert sim.systems.inventory.reconcile() == []


def test_an_export_after_a_crash_is_not_repeated(sim: Simulation) -> None:
    def export(s: Simulation) -> None:
        _yescart(s)
        s.advance(timedelta(minutes=10), step=timedelta(minutes=10))

    _crash_then_restart(sim, "export_order", export)
    assert count(sim, t.export_runs, t.export_runs.c.order_no == "800") == 1
    assert "export_idle" in sim.leaves("yescart.order", "800")


def test_a_posting_after_a_crash_is_not_repeated(sim: Simulation) -> None:
    _crash_then_restart(sim, "post_sales_document", _collect)
    # posted once each: the transfer (receivable, payable), the sale, the settlement at the
    # pickup (both sides cleared, both banks)
    assert count(sim, t.ic_postings) == 7
    assert sim.systems.collect.documents() == {"posted": 1}


def _crash_then_restart(sim: Simulation, task: str, scenario: Callable[[Simulation], None]) -> None:
    flag = sim.folder / "crash.flag"
    flag.write_text("once")
    env = {"CRASH_TASK": task, "CRASH_FLAG": str(flag)}
    sim.start_worker(app=APP, env=env)
    with contextlib.suppress(AssertionError):  # the worker dies in the middle of it
        scenario(sim)
    assert sim.worker is not None
    assert sim.worker.wait(30) == -signal.SIGKILL, sim.log.read_text()
    assert not flag.exists()
    with sim.systems.db.begin() as conn:  # the work was done once before the crash ...
        done = conn.execute(select(t.calls.c.operation)).scalars().all()
    assert done, "the system did no work before the crash"
    sim.start_worker(app=APP, env=env)  # ... and the restarted worker performs the call again
    # once the dead worker's leases (2 s on the simulated clock) have run out
    sim.advance(timedelta(seconds=30), step=timedelta(seconds=30))
    assert sim.store.dead_letters() == ()
    with sim.systems.db.begin() as conn:
        keys = conn.execute(select(t.calls.c.key, func.count()).group_by(t.calls.c.key)).all()
    assert all(n == 1 for _key, n in keys)
