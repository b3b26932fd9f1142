"""Effects of actions: notifications, tasks and invocations, spawns, sends, logs."""

from __future__ import annotations

from engine.runtime import (
    ChildSpec,
    EventForInstance,
    LogEntry,
    NotifyRequested,
    SpawnRequested,
    TaskRequested,
)
from tests.runtime.helpers import Machine

CHART = """
id: t.effects
version: 1
context:
  order_no: string
  total: {type: decimal, default: 10}
  customer_email: {type: string, optional: true}
  cc: {type: list, items: string, default: ["ops@example.com", "audit@example.com"]}
  deliveries:
    type: list
    items: {type: record, fields: {number: string, group: string}}
    default: []
events:
  paid: {data: {method: string}}
tasks:
  charge: {input: {amount: decimal}}
  book: {input: {order: string}}
templates:
  receipt: {subject: "Order {{ order_no }}", body: "Paid by {{ event.method }} {{ extra }}"}
states:
  new:
    on:
      paid:
        target: paying
        actions:
          - notify:
              template: receipt
              channel: email
              to: [customer_email, cc, "'ops@example.com'"]
              data: {extra: "'thanks'"}
          - task: {name: charge, input: {amount: total}}
          - task: {name: charge, input: {amount: total + 1}}
          - log: "'paid ' + order_no"
      split:
        actions:
          - spawn:
              id: parts
              chart: t.delivery
              for_each: deliveries
              as: item
              key: item.number
              context: {number: item.number, group: item.group}
      tell:
        actions:
          - send: {event: parent_news, to: parent, data: {n: 1}}
          - send: {event: child_news, to: children}
          - send: {event: crm_news, to: {chart: ats.order, key: order_no}}
  paying:
    invoke:
      task: book
      input: {order: order_no}
    on:
      skip: done
  passing:
    invoke:
      task: book
      input: {order: order_no}
    always: [done]
  done:
    on:
      via: passing
"""


def machine(**context: object) -> Machine:
    return Machine(CHART, {"order_no": "A-1", **context})


def test_notify_expands_recipients_and_gives_the_template_its_variables() -> None:
    m = machine()
    step = m.send("paid", {"method": "card"})
    (notify,) = [e for e in step.effects if isinstance(e, NotifyRequested)]
    assert notify.template == "receipt" and notify.channel == "email"
    # the unset optional address is skipped, the list expands, duplicates go
    assert notify.recipients == ("ops@example.com", "audit@example.com")
    assert notify.variables["order_no"] == "A-1"
    assert notify.variables["event"] == {"method": "card"}
    assert notify.variables["instance"] == {"id": "i-1", "key": "K-1", "chart": "t.effects"}
    assert notify.variables["extra"] == "thanks"


def test_tasks_get_call_ids_stable_for_a_step_and_unique_within_it() -> None:
    m = machine()
    step = m.send("paid", {"method": "card"})
    tasks = [e for e in step.effects if isinstance(e, TaskRequested)]
    assert [(t.task, str(t.input.get("amount", t.input.get("order")))) for t in tasks] == [
        ("charge", "10"),
        ("charge", "11"),
        ("book", "A-1"),  # the invocation of `paying`, started at the end of the macrostep
    ]
    ids = [t.call_id for t in tasks]
    assert len(set(ids)) == 3
    digest = ids[0].split(":")[2].split(".")[0]
    assert ids == [f"i-1:charge:{digest}.1", f"i-1:charge:{digest}.2", f"i-1:book:{digest}.3"]
    # the same step again (a retry) asks with the same ids: they are idempotency keys
    again = m.interp.step(step.before, step.event, m.now, instance=m.info())  # type: ignore[arg-type]
    assert [e.call_id for e in again.effects if isinstance(e, TaskRequested)] == ids
    assert isinstance(step.effects[-1], TaskRequested), "invocations come last"
    assert LogEntry("paid A-1") in step.effects


def test_a_state_entered_and_left_in_one_macrostep_invokes_nothing() -> None:
    m = machine()
    m.send("paid", {"method": "card"})
    m.send("skip")
    step = m.send("via")
    assert m.config == {"done"}
    assert not [e for e in step.effects if isinstance(e, TaskRequested)]


def test_spawn_evaluates_one_child_per_item() -> None:
    deliveries = [{"number": "D1", "group": "g1"}, {"number": "D2", "group": "g2"}]
    m = machine(deliveries=deliveries)
    step = m.send("split")
    assert step.effects == (
        SpawnRequested(
            "parts",
            "t.delivery",
            (
                ChildSpec("D1", {"number": "D1", "group": "g1"}),
                ChildSpec("D2", {"number": "D2", "group": "g2"}),
            ),
        ),
    )


def test_sends_to_other_instances() -> None:
    m = machine()
    step = m.send("tell")
    parent, children, related = step.effects
    assert isinstance(parent, EventForInstance) and parent.target == "parent"
    assert parent.event.name == "parent_news" and parent.event.data == {"n": 1}
    assert parent.event.origin == "child"
    assert isinstance(children, EventForInstance) and children.target == "children"
    assert related == EventForInstance("related", related.event, chart="ats.order", key="A-1")
    assert related.event.name == "crm_news"
    assert not m.snapshot.timers


def test_call_ids_differ_between_steps_at_the_same_instant() -> None:
    m = Machine(
        """
        id: t.retry
        version: 1
        tasks:
          charge: {}
        events:
          retry: {data: {attempt: {type: integer, optional: true}}}
        states:
          a:
            on:
              retry:
                actions:
                  - task: {name: charge}
        """
    )
    first = m.send("retry")
    second = m.send("retry", {"attempt": 2})
    ids = [e.call_id for s in (first, second) for e in s.effects if isinstance(e, TaskRequested)]
    assert len(ids) == 2 and ids[0] != ids[1]
