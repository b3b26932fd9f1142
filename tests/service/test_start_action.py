"""The `start` action starts a new, independent instance (the ATS priced re-order)."""

from __future__ import annotations

from engine import Engine, ManualClock, MemoryStore
from engine.loader import load_text

ORDER = """
id: t.order
version: 1
context:
  order_no: string
  replaces_order_id: {type: string, optional: true}
events:
  price.agreed: {source: integration, data: {new_order_no: string}}
states:
  open:
    on:
      price.agreed:
        target: cancelled
        actions:
          - start:
              chart: t.order
              key: event.new_order_no
              context: {order_no: event.new_order_no, replaces_order_id: order_no}
  cancelled: {type: final}
"""


def test_start_action_creates_a_linked_top_level_instance(clock: ManualClock) -> None:
    chart = load_text(ORDER, "order.yaml")
    store = MemoryStore()
    engine = Engine(store=store, clock=clock, charts=[chart])
    first = engine.start(chart, context={"order_no": "420"}, key="420")
    engine.send(first.id, "price.agreed", {"new_order_no": "421"})
    assert engine.get(first.id).done
    second = engine.find("t.order", "421")
    assert second is not None and second.parent is None
    assert second.context["replaces_order_id"] == "420"
    assert second.leaf_states == ("open",)
    assert [h.kind for h in engine.history(second.id)] == ["start"]
