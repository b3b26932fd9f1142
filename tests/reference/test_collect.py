"""Click & Collect: the import with each customer mapping, IC clearing postings, the poll."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from engine.reference.app import ReferenceSystems
from engine.reference.collect import CollectStores
from engine.reference.db import TaskRefused
from tests.reference.conftest import Calls

ORDER = {
    "sales_order_no": "SO-1",
    "reference_no": "SO-1",
    "from_store_code": "STORE1",
    "to_store_code": "STORE2",
    "customer_name": "Ann",
    "customer_email": "ann@example.com",
    "customer_phone": "+4511",
    "order_amount": "100.00",
    "prepayment_percent": "25",
}


def send(collect: CollectStores, calls: Calls, doc: str, **changes: Any) -> str:
    answer = collect.send_order(
        {**ORDER, "document_no": doc, **changes},
        idempotency_key=calls.key(),
        instance=calls.instance,
    )
    return str(answer["collect_document_no"])


def customer_of(systems: ReferenceSystems, doc: str) -> str | None:
    from sqlalchemy import select

    from engine.reference import tables as t

    with systems.db.begin() as conn:
        return conn.execute(
            select(t.collect_documents.c.customer_no).where(
                t.collect_documents.c.document_no == doc
            )
        ).scalar()


@pytest.mark.parametrize(
    ("mapping", "second", "same"),
    [
        ("email", {"customer_phone": "+4599"}, True),
        ("phone", {"customer_email": "other@example.com"}, True),
        ("email_and_phone", {"customer_phone": "+4599"}, False),
        ("email_or_phone", {"customer_email": "other@example.com"}, True),
    ],
)
def test_customer_mapping_finds_or_creates(
    systems: ReferenceSystems, calls: Calls, mapping: str, second: dict[str, Any], same: bool
) -> None:
    first = send(systems.collect, calls, "S-1", customer_mapping=mapping)
    again = send(systems.collect, calls, "S-2", customer_mapping=mapping, **second)
    assert (customer_of(systems, first) == customer_of(systems, again)) is same
    assert customer_of(systems, first) is not None


def test_fixed_from_source_and_blank_mappings(systems: ReferenceSystems, calls: Calls) -> None:
    doc = send(systems.collect, calls, "S-3", customer_mapping="fixed", fixed_customer_no="CASH")
    assert customer_of(systems, doc) == "CASH"
    doc = send(
        systems.collect, calls, "S-4", customer_mapping="from_source", source_customer_no="C77"
    )
    assert customer_of(systems, doc) == "C77"
    doc = send(systems.collect, calls, "S-5", customer_mapping="blank")
    assert customer_of(systems, doc) is None
    with pytest.raises(TaskRefused, match="needs fixed_customer_no"):
        send(systems.collect, calls, "S-6", customer_mapping="fixed")
    with pytest.raises(TaskRefused, match=r"Customer E-mail or Phone No\. missing"):
        send(systems.collect, calls, "S-7", customer_mapping="email", customer_email="")


def test_a_repeated_import_does_nothing(systems: ReferenceSystems, calls: Calls) -> None:
    assert send(systems.collect, calls, "S-8") == send(systems.collect, calls, "S-8") == "CS-8"
    assert systems.collect.documents() == {"open": 1}


def test_posting_and_ic_clearing_balance(systems: ReferenceSystems, calls: Calls) -> None:
    collect = systems.collect
    doc = send(collect, calls, "S-9")
    key = calls.key()
    for _ in range(2):  # the same call twice posts once
        collect.post_sales_document(
            {"document_no": doc}, idempotency_key=key, instance=calls.instance
        )
    balance = collect.ic_balance()
    assert balance == {
        "sales": Decimal("100.00"),
        "ic_receivable": Decimal("25.00"),
        "ic_payable": Decimal("25.00"),
    }
    collect.post_processing(
        {"document_no": "S-9", "module": "IC_CLEARING"},
        idempotency_key=calls.key(),
        instance=calls.instance,
    )
    balance = collect.ic_balance()
    assert balance["ic_receivable"] == balance["ic_payable"] == Decimal("0.00")
    assert balance["bank"] == Decimal("0.00")  # paid by one store, received by the other
    with pytest.raises(TaskRefused, match="unknown post-processing module 'FTP'"):
        collect.post_processing(
            {"document_no": "S-9", "module": "FTP"},
            idempotency_key=calls.key(),
            instance=calls.instance,
        )


def test_a_deleted_document_is_not_posted(systems: ReferenceSystems, calls: Calls) -> None:
    doc = send(systems.collect, calls, "S-10")
    systems.collect.delete_sales_document(
        {"document_no": doc}, idempotency_key=calls.key(), instance=calls.instance
    )
    with pytest.raises(TaskRefused, match="was deleted"):
        systems.collect.post_sales_document(
            {"document_no": doc}, idempotency_key=calls.key(), instance=calls.instance
        )
    assert systems.collect.documents() == {"deleted": 1}


def test_the_poll_reads_the_collecting_document(systems: ReferenceSystems, calls: Calls) -> None:
    documents: dict[str, dict[str, Any]] = {}
    collect = CollectStores(systems.db, lambda chart, key: documents.get(key))
    send(collect, calls, "S-11")

    def poll() -> dict[str, Any]:
        return dict(
            collect.get_collect_document(
                {"document_no": "S-11"}, idempotency_key=calls.key(), instance=calls.instance
            )
        )

    with pytest.raises(TaskRefused, match="Collect Document has been deleted in Store"):
        poll()
    documents["CS-11"] = {"processing_status": "confirmed", "delivery_status": "ready"}
    assert poll() == {"processing_status": "confirmed", "delivery_status": "ready"}


def test_archive_both_sides(systems: ReferenceSystems, calls: Calls) -> None:
    from engine import InstanceInfo

    origin = InstanceInfo("o", "S-12", "collect.send_to_store", 1)
    collecting = InstanceInfo("c", "CS-12", "collect.collect_in_store", 1)
    systems.collect.archive_document(
        {"document_no": "S-12"}, idempotency_key=calls.key(), instance=origin
    )
    systems.collect.archive_document(
        {"document_no": "CS-12"}, idempotency_key=calls.key(), instance=collecting
    )
    systems.collect.archive_document(
        {"document_no": "CS-12"}, idempotency_key=calls.key(), instance=collecting
    )
    from sqlalchemy import select

    from engine.reference import tables as t

    with systems.db.begin() as conn:
        rows = conn.execute(select(t.collect_archive.c.document_no, t.collect_archive.c.side)).all()
    assert sorted(tuple(r) for r in rows) == [("CS-12", "collecting"), ("S-12", "origin")]
