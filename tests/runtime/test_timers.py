"""Timers: `after` transitions, delayed and undelayed sends, cancel, delivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.runtime import CancelTimer, PendingTimer, ScheduleTimer
from tests.runtime.helpers import T0, Machine, logs

AFTER = """
id: t.after
version: 1
context:
  wait: {type: duration, default: 2h}
calendars:
  store_hours:
    timezone: Europe/Copenhagen
    days: [mon, tue, wed, thu, fri]
    opens: "09:00"
    closes: "17:00"
    holidays: ["2026-01-06"]
states:
  idle:
    on: {go: waiting}
  waiting:
    after:
      - delay: 10m
        target: reminded
      - delay: wait
        calendar: store_hours
        target: expired
      - open_days: 2
        calendar: store_hours
        target: archived
    on: {stop: idle}
  reminded:
    on: {stop: idle}
  expired: {}
  archived: {}
"""


def test_after_timers_are_scheduled_on_entry_with_ids_and_due_times() -> None:
    m = Machine(AFTER)
    step = m.send("go")
    timers = m.snapshot.timers
    assert list(timers) == ["waiting#0", "waiting#1", "waiting#2"]
    assert timers["waiting#0"] == PendingTimer(
        "waiting#0", "after.waiting.0", T0 + timedelta(minutes=10)
    )
    # T0 is Monday 09:00 UTC = 10:00 in Copenhagen: two opening hours later is 12:00 local
    assert timers["waiting#1"].due == datetime(2026, 1, 5, 11, 0, tzinfo=UTC)
    # two open days after Monday, Tuesday being a holiday: Thursday's closing time
    assert timers["waiting#2"].due == datetime(2026, 1, 8, 16, 0, tzinfo=UTC)
    assert [e for e in step.effects if isinstance(e, ScheduleTimer)] == [
        ScheduleTimer(t) for t in timers.values()
    ]


def test_exiting_the_state_cancels_its_timers() -> None:
    m = Machine(AFTER)
    m.send("go")
    step = m.send("stop")
    assert not m.snapshot.timers
    assert step.effects == (
        CancelTimer("waiting#0"),
        CancelTimer("waiting#1"),
        CancelTimer("waiting#2"),
    )


def test_a_due_timer_fires_its_transition_and_is_consumed() -> None:
    m = Machine(AFTER)
    m.send("go")
    m.now = T0 + timedelta(minutes=10)
    step = m.send("after.waiting.0", origin="timer")
    assert m.config == {"reminded"}
    assert not m.snapshot.timers
    # the fired timer is dropped (CancelTimer lets a store's index forget it), the
    # others are cancelled because `waiting` was exited
    assert [e.id for e in step.effects if isinstance(e, CancelTimer)] == [
        "waiting#0",
        "waiting#1",
        "waiting#2",
    ]


def test_a_timer_event_that_nothing_accepts_is_discarded_not_refused() -> None:
    m = Machine(AFTER)
    m.send("go")
    m.send("stop")  # the timers were cancelled, but suppose one was already in flight
    step = m.send("after.waiting.0", origin="timer")
    assert not step.microsteps
    assert m.config == {"idle"}
    assert any("discarded" in text for text in logs(step))


def test_scheduling_and_cancelling_in_one_macrostep_leaves_no_effect() -> None:
    m = Machine(
        """
        id: t.transient
        version: 1
        states:
          a:
            on: {go: b}
          b:
            after:
              - {delay: 1h, target: a}
            always: [c]
          c: {}
        """
    )
    step = m.send("go")
    assert m.config == {"c"}
    assert not m.snapshot.timers
    assert not [e for e in step.effects if isinstance(e, (ScheduleTimer, CancelTimer))]


SENDS = """
id: t.sends
version: 1
context:
  n: {type: integer, default: 1}
events:
  ping: {data: {n: integer}}
states:
  a:
    entry:
      - send: {event: ping, data: {n: n}}
      - send: {event: ping, delay: 1h, data: {n: n + 1}}
      - send: {event: reminder, delay: 2d, id: remind}
    on:
      ping:
        - {target: b, guard: event.n == 1}
      stop:
        actions:
          - cancel: remind
  b:
    on:
      ping: {target: c, guard: event.n == 2}
      stop:
        actions:
          - cancel: remind
  c: {}
"""


def test_sends_to_self_become_timers_delivered_after_the_macrostep() -> None:
    m = Machine(SENDS)
    timers = list(m.snapshot.timers.values())
    assert [(t.event, t.due - T0, dict(t.data)) for t in timers] == [
        ("ping", timedelta(0), {"n": 1}),
        ("ping", timedelta(hours=1), {"n": 2}),
        ("reminder", timedelta(days=2), {}),
    ]
    assert timers[2].id == "remind"
    assert timers[0].id != timers[1].id
    m.send("ping", {"n": 1}, origin="timer")
    assert m.config == {"b"}
    assert [t.due - T0 for t in m.snapshot.timers.values()] == [
        timedelta(hours=1),
        timedelta(days=2),
    ]
    m.now = T0 + timedelta(hours=1)
    m.send("ping", {"n": 2}, origin="timer")
    assert m.config == {"c"}


def test_cancel_removes_a_delayed_send() -> None:
    m = Machine(SENDS)
    step = m.send("stop")
    assert "remind" not in m.snapshot.timers
    assert CancelTimer("remind") in step.effects
    again = m.send("stop")  # nothing left to cancel: no effect
    assert not [e for e in again.effects if isinstance(e, CancelTimer)]


def test_a_delay_read_from_the_context() -> None:
    m = Machine(AFTER, {"wait": "30m"})
    m.send("go")
    assert m.snapshot.timers["waiting#1"].due == T0 + timedelta(minutes=30)


REMIND = """
id: t.remind
version: 1
states:
  waiting:
    entry:
      - send: {event: remind, delay: 2d, id: reminder}
    on:
      nudge:
        actions:
          - send: {event: remind.again, delay: 1d, id: reminder}
      cancel:
        actions: [{cancel: reminder}]
      remind: done
      remind.again: done
  done: {type: final}
"""


def test_a_delayed_send_reusing_a_pending_id_replaces_it_and_says_so() -> None:
    m = Machine(REMIND)
    assert m.snapshot.timers["reminder"].due == T0 + timedelta(days=2)
    m.now = T0 + timedelta(hours=1)
    step = m.send("nudge")
    # one timer under the id: the later send, due one day after the nudge
    assert list(m.snapshot.timers) == ["reminder"]
    assert m.snapshot.timers["reminder"].event == "remind.again"
    assert m.snapshot.timers["reminder"].due == T0 + timedelta(days=1, hours=1)
    assert logs(step) == [
        "send 'reminder' replaced the pending 'remind' due 2026-01-07T09:00:00+00:00; "
        "'remind.again' is now due 2026-01-06T10:00:00+00:00"
    ]
    assert CancelTimer("reminder") in step.effects
    m.send("cancel")
    assert m.snapshot.timers == {}
