"""The demo's invariants catch what they promise: a ledger that does not add up, stock that
does not reconcile, postings that do not balance, and an instance nothing can move."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, update

from engine import Engine
from engine.demo.invariants import Check, check_all
from engine.reference import tables as t
from engine.reference.app import ReferenceSystems
from engine.store.sql import SqlStore
from tests.reference.world import NOW
from tests.reference.world import world as shop_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Engine, SqlStore, ReferenceSystems]]:
    with shop_world(tmp_path) as w:
        yield w.engine, w.store, w.systems


def broken(checks: list[Check]) -> dict[str, str]:
    return {c.name: c.detail for c in checks if not c.ok}


def test_all_hold_on_an_empty_day(world: tuple[Engine, SqlStore, ReferenceSystems]) -> None:
    assert broken(check_all(*world)) == {}


def test_a_capture_without_authorisation_breaks_the_ledger(
    world: tuple[Engine, SqlStore, ReferenceSystems],
) -> None:
    _engine, _store, systems = world
    with systems.db.begin() as conn:
        for operation, cents in (("AUTH", 1000), ("CAPTURE", 1500), ("REFUND", 2000)):
            conn.execute(
                insert(t.payments).values(
                    order_no="X1", shipment="X1", operation=operation, amount_cents=cents,
                    result="OK", settled=True, reference="r", message="", gateway="g",
                    call_key="k", created=NOW,
                )
            )  # fmt: skip
    found = broken(check_all(*world))
    assert "X1: captured 15.00 > authorised 10.00" in found["captured <= authorised"]
    assert "X1: refunded 20.00 > captured 15.00" in found["refunded <= captured"]


def test_stock_and_postings_that_do_not_add_up(
    world: tuple[Engine, SqlStore, ReferenceSystems],
) -> None:
    _engine, _store, systems = world
    systems.inventory.add_warehouse("MAIN", "Main")
    systems.inventory.add_sku("STD", "Standard")
    systems.inventory.stock_in("STD", "MAIN", 5)
    with systems.db.begin() as conn:
        conn.execute(update(t.stock).values(reserved=2, quantity=4))
        conn.execute(
            insert(t.ic_postings).values(
                document_no="C1", company="S2", account="ic_receivable", counterparty="S1",
                amount_cents=500, at=NOW,
            )
        )  # fmt: skip
    found = broken(check_all(*world))
    assert "reserved 2, open reservations 0" in found["reserved equals open reservations"]
    assert "quantity 4, moves add up to 5" in found["quantity equals its moves"]
    assert "receivable 5.00 != payable 0" in found["intercompany postings balance"]


def test_an_instance_nothing_can_move_is_stuck(
    world: tuple[Engine, SqlStore, ReferenceSystems],
) -> None:
    engine, _store, _systems = world
    context = {
        "order_no": "Y1", "shop_code": "S", "customer_email": "a@x", "shop_admin_email": "b@x",
        "payment_mode": "online_auth", "total": "10.00", "deliveries": [],
    }  # fmt: skip
    engine.start("yescart.order", context, key="Y1")  # never paid: waits for nobody
    engine.start("ustore.email_item", {"order_id": "U", "order_product_id": "U-1",
                                       "superuser_email": "s@x"}, key="U-1")  # fmt: skip
    found = broken(check_all(*world))
    assert (
        found["no instance stuck"]
        == "yescart.order Y1 in order.status.none, order.export.export_idle"
    )
