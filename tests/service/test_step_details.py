"""What the audit trail records for ``statewise replay``: how each event came in (origin,
roles), the start context as given, the context fields each step changed and the effects
it asked for. Stores that keep step details get all of it; others keep origin and roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from engine import Engine, ManualClock, MemoryTransport, load_text
from engine.store import MemoryStore

CHART = load_text("""
id: sd.order
version: 1
context:
  total: decimal
  email: string
  payments: {type: integer, default: 0}
states:
  pending:
    on:
      pay:
        target: paid
        actions:
          - assign: {payments: payments + 1}
          - notify: {template: receipt, channel: email, to: [email]}
      bump:
        actions: [{assign: {payments: payments + 1}}]
      cancel: {target: cancelled, manual: {label: Cancel, roles: [clerk, admin]}}
    after:
      - delay: 2h
        target: cancelled
  paid: {type: final}
  cancelled: {type: final}
templates:
  receipt: {subject: "Order {{ instance.key }}", body: "We received {{ total }}."}
""")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def engine(store: MemoryStore) -> Engine:
    return Engine(store, ManualClock(T0), transports={"email": MemoryTransport()}, charts=[CHART])


def test_a_store_with_step_details_records_what_replay_needs() -> None:
    store = MemoryStore(step_details=True)
    e = engine(store)
    order = e.start(CHART, {"total": "12.50", "email": "ann@example.com"}, key="A")
    e.send(order.id, "bump", actor="shop")
    e.send(order.id, "cancel", actor="ann", roles={"admin", "clerk"})
    start, bump, cancel = store.history(order.id)
    # the start context as given (coerced), not the defaults; all of it as changes
    assert start.data == {"total": Decimal("12.50"), "email": "ann@example.com"}
    assert start.changes == {"total": Decimal("12.50"), "email": "ann@example.com", "payments": 0}
    assert start.effects == [{"timer": "after.pending.0", "due": T0 + timedelta(hours=2)}]
    assert (bump.origin, bump.roles, bump.changes, bump.effects) == (
        "external",
        None,
        {"payments": 1},
        [],
    )
    assert (cancel.origin, cancel.roles, cancel.changes) == ("external", ("admin", "clerk"), {})


def test_effects_are_recorded_with_the_step_that_asked_for_them() -> None:
    store = MemoryStore(step_details=True)
    e = engine(store)
    order = e.start(CHART, {"total": 3, "email": "bo@example.com"})
    e.send(order.id, "pay")
    pay = store.history(order.id)[-1]
    assert pay.changes == {"payments": 1}
    assert pay.effects == [{"notify": "receipt", "channel": "email", "to": ["bo@example.com"]}]


def test_timer_events_are_recorded_as_such() -> None:
    store = MemoryStore(step_details=True)
    e = engine(store)
    order = e.start(CHART, {"total": 3, "email": "bo@example.com"})
    e.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    assert e.tick() == 1
    fired = store.history(order.id)[-1]
    assert (fired.event, fired.origin, fired.time) == (
        "after.pending.0",
        "timer",
        T0 + timedelta(hours=2),
    )


def test_other_stores_keep_origin_and_roles_only() -> None:
    store = MemoryStore()
    e = engine(store)
    order = e.start(CHART, {"total": 3, "email": "bo@example.com"})
    e.send(order.id, "cancel", roles={"clerk"})
    start, cancel = store.history(order.id)
    assert start.data == {} and start.changes is None and start.effects is None
    assert (cancel.origin, cancel.roles, cancel.changes) == ("external", ("clerk",), None)
