"""Rules, the start action, empty delays and per-instance calendars."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.runtime import (
    ContextError,
    Interpreter,
    RuleBroken,
    ScheduleTimer,
    StartRequested,
)

from .helpers import T0, Machine, chart, instance

RULES = """
id: t.rules
version: 1
context:
  bill_via: {type: enum, values: [pos, sales_document]}
  post_on: {type: enum, values: [delivery, processing]}
events:
  switch: {source: external}
rules:
  - check: "bill_via != 'pos' or post_on == 'delivery'"
    message: Bill via POS requires Post on = Delivery
states:
  open:
    on:
      switch:
        target: open
        actions:
          - assign: {post_on: "'processing'"}
"""


def test_a_rule_is_checked_at_start() -> None:
    c = chart(RULES)
    with pytest.raises(RuleBroken, match="Bill via POS requires Post on = Delivery"):
        Interpreter(c).start({"bill_via": "pos", "post_on": "processing"}, T0, instance=instance(c))
    Interpreter(c).start(
        {"bill_via": "sales_document", "post_on": "processing"}, T0, instance=instance(c)
    )


def test_a_step_that_breaks_a_rule_is_refused_and_changes_nothing() -> None:
    m = Machine(RULES, {"bill_via": "pos", "post_on": "delivery"})
    before = m.snapshot
    with pytest.raises(RuleBroken) as exc:
        m.send("switch")
    assert exc.value.messages == ("Bill via POS requires Post on = Delivery",)
    assert m.snapshot is before and dict(before.context)["post_on"] == "delivery"


def test_start_action_asks_for_a_new_instance() -> None:
    m = Machine(
        """
id: t.start
version: 1
context:
  order_no: string
events:
  price.agreed: {source: integration, data: {new_order_no: string}}
states:
  open:
    on:
      price.agreed:
        target: cancelled
        actions:
          - start: {chart: t.start, key: event.new_order_no, context: {order_no: event.new_order_no}}
  cancelled: {type: final}
""",
        {"order_no": "420"},
    )
    step = m.send("price.agreed", {"new_order_no": "421"})
    [effect] = [e for e in step.effects if isinstance(e, StartRequested)]
    assert effect == StartRequested("t.start", "421", {"order_no": "421"})


TIMERS = """
id: t.timers
version: 1
context:
  expiry: {type: duration, optional: true}
  store:
    optional: true
    type: record
    fields:
      timezone: string
      days: {type: list, items: string}
      opens: string
      closes: string
      holidays: {type: list, items: date, optional: true}
states:
  waiting:
    after:
      - {delay: expiry, target: expired}
      - {delay: 2h, calendar: store, target: expired}
  expired: {type: final}
"""


def _scheduled(m: Machine) -> dict[str, datetime]:
    return {e.timer.id: e.timer.due for e in m.last.effects if isinstance(e, ScheduleTimer)}


def test_an_empty_delay_or_calendar_starts_no_timer() -> None:
    m = Machine(TIMERS, {})
    assert _scheduled(m) == {}
    assert dict(m.snapshot.timers) == {}


def test_a_per_instance_calendar_counts_that_instances_opening_hours() -> None:
    store = {
        "timezone": "UTC",
        "days": ["mon", "tue"],
        "opens": "09:00",
        "closes": "10:00",
        "holidays": None,
    }
    m = Machine(TIMERS, {"expiry": "30m", "store": store})
    due = _scheduled(m)
    assert due["waiting#0"] == datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    # Monday 09:00-10:00 gives one hour, Tuesday 09:00-10:00 the second.
    assert due["waiting#1"] == datetime(2026, 1, 6, 10, 0, tzinfo=UTC)


def test_a_bad_per_instance_calendar_is_a_clear_error() -> None:
    from engine.runtime import ActionFailed

    store = {"timezone": "Mars/Base", "days": ["mon"], "opens": "09:00", "closes": "10:00"}
    with pytest.raises(ActionFailed, match="unknown time zone 'Mars/Base'"):
        Machine(TIMERS, {"store": store})


def test_context_error_is_still_raised_for_bad_context() -> None:
    c = chart(RULES)
    with pytest.raises(ContextError):
        Interpreter(c).start({"bill_via": "cash", "post_on": "delivery"}, T0, instance=instance(c))
