"""The reference inventory: reservation, allocation, void, credit, pre-orders, back-orders and
receipts, with the stock reconciled after each test (never negative, reserved = open
reservations, quantity = the sum of its moves)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from engine import ManualClock
from engine.reference.app import ReferenceSystems
from engine.reference.db import TaskRefused
from tests.reference.conftest import Calls


@pytest.fixture(autouse=True)
def catalogue(systems: ReferenceSystems) -> Any:
    inv = systems.inventory
    inv.add_warehouse("MAIN", "Main warehouse")
    inv.add_sku("STD", "Standard item")
    inv.add_sku("BACK", "Back-order item", availability="backorder")
    inv.add_sku("PRE", "Pre-order item", release_date=date(2026, 11, 28))
    inv.add_sku("EBOOK", "E-book", availability="always")
    inv.receive("STD", "MAIN", 5, "initial")
    inv.receive("PRE", "MAIN", 10, "initial")
    inv.receive("BACK", "MAIN", 1, "initial")
    yield
    assert inv.reconcile() == []
    assert all(r.quantity >= 0 and r.reserved >= 0 for r in inv.stock())


def stock(systems: ReferenceSystems) -> dict[str, tuple[int, int]]:
    return {r.sku: (r.quantity, r.reserved) for r in systems.inventory.stock()}


def reserve(
    systems: ReferenceSystems, calls: Calls, *deliveries: tuple[str, str, list[Any]]
) -> None:
    systems.inventory.reserve_inventory(
        {
            "order_no": "O1",
            "deliveries": [
                {
                    "number": n,
                    "group": g,
                    "amount": "1",
                    "lines": [{"sku": s, "qty": q, "warehouse": "MAIN"} for s, q in lines],
                }
                for n, g, lines in deliveries
            ],
        },
        idempotency_key=calls.key(),
        instance=calls.instance,
    )


def call(systems: ReferenceSystems, calls: Calls, task: str, **input: Any) -> dict[str, Any]:
    handler = systems.inventory.tasks()[task]
    return dict(handler(input, idempotency_key=calls.key(), instance=calls.instance) or {})


def test_reserve_then_allocate(systems: ReferenceSystems, calls: Calls) -> None:
    reserve(systems, calls, ("O1-1", "D1", [("STD", 2)]), ("O1-2", "D4", [("EBOOK", 1)]))
    assert stock(systems)["STD"] == (5, 2)
    answer = call(
        systems, calls, "allocate_inventory", delivery_number="O1-1", when_available=False
    )
    assert answer == {"outcome": "allocated"}
    assert stock(systems)["STD"] == (3, 0)


def test_short_stock_refuses_the_whole_reservation(systems: ReferenceSystems, calls: Calls) -> None:
    """§9.1 #14: nothing is reserved when one line is short."""
    with pytest.raises(
        TaskRefused, match="not enough stock of STD in MAIN: 5 available, 6 ordered"
    ):
        reserve(systems, calls, ("O1-1", "D1", [("PRE", 1)]), ("O1-2", "D1", [("STD", 6)]))
    assert stock(systems)["PRE"] == (10, 0) and stock(systems)["STD"] == (5, 0)


def test_unknown_sku_or_warehouse_is_refused(systems: ReferenceSystems, calls: Calls) -> None:
    with pytest.raises(TaskRefused, match="SKU NOPE does not exist"):
        reserve(systems, calls, ("O1-1", "D1", [("NOPE", 1)]))
    systems.inventory.add_warehouse("EAST", "East")
    with pytest.raises(TaskRefused, match="no stock of STD is kept in warehouse EAST"):
        systems.inventory.reserve_inventory(
            {
                "order_no": "O1",
                "deliveries": [
                    {
                        "number": "O1-1",
                        "group": "D1",
                        "amount": "1",
                        "lines": [{"sku": "STD", "qty": 1, "warehouse": "EAST"}],
                    }
                ],
            },
            idempotency_key=calls.key(),
            instance=calls.instance,
        )


def test_back_orders_over_reserve_and_wait_for_a_receipt(
    systems: ReferenceSystems, calls: Calls
) -> None:
    reserve(systems, calls, ("O1-3", "D3", [("BACK", 4)]))
    assert stock(systems)["BACK"] == (1, 4)  # over-reserved
    answer = call(systems, calls, "allocate_inventory", delivery_number="O1-3", when_available=True)
    assert answer == {"outcome": "not_available"}
    assert stock(systems)["BACK"] == (1, 4)  # nothing changed
    assert systems.inventory.receive("BACK", "MAIN", 3, "PO-77") == ["O1-3"]
    answer = call(systems, calls, "allocate_inventory", delivery_number="O1-3", when_available=True)
    assert answer == {"outcome": "allocated"} and stock(systems)["BACK"] == (0, 0)


def test_a_standard_shortage_at_allocation_is_an_error(
    systems: ReferenceSystems, calls: Calls
) -> None:
    reserve(systems, calls, ("O1-1", "D1", [("BACK", 3)]))
    with pytest.raises(TaskRefused, match="cannot allocate 3 x BACK in MAIN: 1 on hand"):
        call(systems, calls, "allocate_inventory", delivery_number="O1-1", when_available=False)
    assert stock(systems)["BACK"] == (1, 3)


def test_pre_orders_wait_for_their_release_date(
    systems: ReferenceSystems, calls: Calls, clock: ManualClock
) -> None:
    reserve(systems, calls, ("O1-2", "D2", [("PRE", 3)]))
    assert call(systems, calls, "check_release", delivery_number="O1-2") == {"released": False}
    clock.advance(timedelta(days=1))
    assert call(systems, calls, "check_release", delivery_number="O1-2") == {"released": True}


def test_cancel_before_allocation_voids_after_it_credits(
    systems: ReferenceSystems, calls: Calls
) -> None:
    reserve(systems, calls, ("O1-1", "D1", [("STD", 2)]), ("O1-2", "D1", [("STD", 1)]))
    call(systems, calls, "allocate_inventory", delivery_number="O1-1", when_available=False)
    call(systems, calls, "void_reservation", delivery_number="O1-2")
    call(systems, calls, "credit_inventory", delivery_number="O1-1")
    assert stock(systems)["STD"] == (5, 0)
    # compensating twice changes nothing
    call(systems, calls, "void_reservation", delivery_number="O1-2")
    call(systems, calls, "credit_inventory", delivery_number="O1-1")
    assert stock(systems)["STD"] == (5, 0)


def test_a_second_reservation_of_the_same_delivery_is_skipped(
    systems: ReferenceSystems, calls: Calls
) -> None:
    reserve(systems, calls, ("O1-1", "D1", [("STD", 2)]))
    reserve(systems, calls, ("O1-1", "D1", [("STD", 2)]))
    assert stock(systems)["STD"] == (5, 2)


def test_receipts_are_checked(systems: ReferenceSystems) -> None:
    with pytest.raises(ValueError, match="positive"):
        systems.inventory.receive("STD", "MAIN", 0)
    with pytest.raises(ValueError, match="unknown warehouse 'WEST'"):
        systems.inventory.receive("STD", "WEST", 1)
    with pytest.raises(ValueError, match="unknown SKU 'NOPE'"):
        systems.inventory.receive("NOPE", "MAIN", 1)
    with pytest.raises(ValueError, match="availability must be one of"):
        systems.inventory.add_sku("X", "X", availability="sometimes")
