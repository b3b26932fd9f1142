"""Click and collect B.8 scenario 12: "Bill via POS requires Post on = Delivery" is a chart rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import Engine, MemoryStore, MemoryTransport, load_chart
from engine.runtime import RuleBroken

COLLECT = Path(__file__).resolve().parents[1] / "definitions" / "collect"
BASE = {
    "document_no": "C-1",
    "source_document_no": "S-1",
    "reference_no": "SO-1",
    "from_store_code": "STORE1",
    "to_store_code": "STORE2",
    "customer_name": "Ann",
}


def test_pos_billing_with_posting_on_processing_is_refused_at_start() -> None:
    chart = load_chart(COLLECT / "collect_in_store.yaml")
    origin = load_chart(COLLECT / "send_to_store.yaml")
    tasks = {name: (lambda data, **_: {}) for c in (chart, origin) for name in c.tasks}
    mail = MemoryTransport()
    engine = Engine(
        store=MemoryStore(),
        charts=[chart, origin],
        tasks=tasks,
        transports={"email": mail, "sms": mail},
    )
    with pytest.raises(RuleBroken, match="Bill via POS requires Post on = Delivery"):
        engine.start(chart, context={**BASE, "bill_via": "pos", "post_on": "processing"}, key="C-1")
    assert engine.find(chart.id, "C-1") is None
    started = engine.start(
        chart, context={**BASE, "bill_via": "pos", "post_on": "delivery"}, key="C-1"
    )
    assert started.context["bill_via"] == "pos"
