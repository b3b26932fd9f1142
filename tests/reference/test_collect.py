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


def imported(collect: CollectStores, calls: Calls, doc: str, **changes: Any) -> dict[str, Any]:
    """The order sent and imported, then its customer mapped (the collecting flow's first
    step): the answer of ``map_customer``."""
    number = send(collect, calls, doc, **changes)
    mapping = {
        "document_no": number,
        "store_code": ORDER["to_store_code"],
        "mapping": changes.get("customer_mapping", "email"),
        **{k: changes.get(k, ORDER.get(k)) for k in CONTACT},
        **{k: v for k, v in changes.items() if k.endswith("customer_no")},
    }
    answer = collect.map_customer(mapping, idempotency_key=calls.key(), instance=calls.instance)
    return {"document": number, **answer}


CONTACT = ("customer_name", "customer_email", "customer_phone")


def customer_of(systems: ReferenceSystems, doc: str) -> str | None:
    from sqlalchemy import select

    from engine.reference import tables as t

    with systems.db.begin() as conn:
        return conn.execute(
            select(t.collect_documents.c.customer_no).where(
                t.collect_documents.c.document_no == doc
            )
        ).scalar()


def ic(collect: CollectStores, calls: Calls, doc: str, stage: str) -> None:
    collect.post_intercompany(
        {"document_no": doc, "stage": stage}, idempotency_key=calls.key(), instance=calls.instance
    )


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
    first = imported(systems.collect, calls, "S-1", customer_mapping=mapping)
    again = imported(systems.collect, calls, "S-2", customer_mapping=mapping, **second)
    assert first["match"] == "created" and again["match"] == ("matched" if same else "created")
    assert (first["customer_no"] == again["customer_no"]) is same
    assert customer_of(systems, first["document"]) == first["customer_no"] is not None
    assert customer_of(systems, again["document"]) == again["customer_no"]


def test_fixed_from_source_and_blank_mappings(systems: ReferenceSystems, calls: Calls) -> None:
    collect = systems.collect
    # the walk-in customer must be set up in the collecting store (B.7.6)
    with pytest.raises(TaskRefused, match="customer CASH does not exist in store STORE2"):
        imported(collect, calls, "S-3", customer_mapping="fixed", fixed_customer_no="CASH")
    collect.add_customer("STORE2", "CASH", "Walk-in customer")
    found = imported(collect, calls, "S-3b", customer_mapping="fixed", fixed_customer_no="CASH")
    assert (found["customer_no"], found["match"]) == ("CASH", "fixed")
    assert customer_of(systems, found["document"]) == "CASH"
    collect.add_customer("STORE2", "C77", "Ann", "ann@example.com")
    found = imported(
        collect, calls, "S-4", customer_mapping="from_source", source_customer_no="C77"
    )
    assert (found["customer_no"], found["match"]) == ("C77", "matched")
    found = imported(collect, calls, "S-5", customer_mapping="blank")
    assert (found["customer_no"], found["match"]) == (None, "none")
    assert customer_of(systems, found["document"]) is None
    with pytest.raises(TaskRefused, match="needs fixed_customer_no"):
        imported(collect, calls, "S-6", customer_mapping="fixed")
    with pytest.raises(TaskRefused, match=r"Customer E-mail or Phone No\. missing"):
        imported(collect, calls, "S-7", customer_mapping="email", customer_email="")
    with pytest.raises(TaskRefused, match="unknown customer mapping 'name'"):
        send(collect, calls, "S-7b", customer_mapping="name")


def test_a_repeated_import_does_nothing(systems: ReferenceSystems, calls: Calls) -> None:
    assert send(systems.collect, calls, "S-8") == send(systems.collect, calls, "S-8") == "CS-8"
    assert systems.collect.documents() == {"open": 1}


def test_ic_postings_when_transferred_sold_and_shipped(
    systems: ReferenceSystems, calls: Calls
) -> None:
    collect = systems.collect
    doc = send(collect, calls, "S-9")  # 100.00, 25 % prepaid at the origin (STORE1)
    for _ in range(2):  # a repeated stage posts once
        ic(collect, calls, doc, "transferred")
    assert collect.postings(doc) == [
        ("STORE2", "ic_receivable", "STORE1", Decimal("25.00")),
        ("STORE1", "ic_payable", "STORE2", Decimal("25.00")),
    ]
    key = calls.key()
    for _ in range(2):  # sold: the sales document is posted; the same call twice posts once
        collect.post_sales_document(
            {"document_no": doc}, idempotency_key=key, instance=calls.instance
        )
    assert collect.postings(doc)[2:] == [("STORE2", "sales", "STORE1", Decimal("100.00"))]
    ic(collect, calls, doc, "shipped")
    assert collect.postings(doc)[3:] == [
        ("STORE1", "ic_payable", "STORE2", Decimal("-25.00")),
        ("STORE2", "ic_receivable", "STORE1", Decimal("-25.00")),
        ("STORE1", "bank", "STORE2", Decimal("-25.00")),
        ("STORE2", "bank", "STORE1", Decimal("25.00")),
    ]
    balance = collect.ic_balance()
    assert balance["ic_receivable"] == balance["ic_payable"] == Decimal("0.00")
    assert balance["bank"] == Decimal("0.00")  # paid by one store, received by the other
    # settled: the post-processing module and a late reversal find nothing owed
    collect.post_processing(
        {"document_no": "S-9", "module": "IC_CLEARING"},
        idempotency_key=calls.key(),
        instance=calls.instance,
    )
    ic(collect, calls, doc, "reversed")
    assert len(collect.postings(doc)) == 7
    with pytest.raises(TaskRefused, match="unknown post-processing module 'FTP'"):
        collect.post_processing(
            {"document_no": "S-9", "module": "FTP"},
            idempotency_key=calls.key(),
            instance=calls.instance,
        )
    with pytest.raises(TaskRefused, match="unknown intercompany stage 'sold'"):
        ic(collect, calls, doc, "sold")
    with pytest.raises(TaskRefused, match="no collect sales document CS-404"):
        ic(collect, calls, "CS-404", "transferred")


def test_ic_clearing_by_post_processing_and_reversal(
    systems: ReferenceSystems, calls: Calls
) -> None:
    collect = systems.collect
    doc = send(collect, calls, "S-13")
    ic(collect, calls, doc, "transferred")
    collect.post_processing(
        {"document_no": "S-13", "module": "IC_CLEARING"},
        idempotency_key=calls.key(),
        instance=calls.instance,
    )
    assert [p[1] for p in collect.postings(doc)] == [
        "ic_receivable", "ic_payable", "ic_payable", "ic_receivable", "bank", "bank",
    ]  # fmt: skip
    # rejected after the transfer: what is owed is taken back, nothing is paid
    doc = send(collect, calls, "S-14")
    ic(collect, calls, doc, "transferred")
    ic(collect, calls, doc, "reversed")
    assert collect.postings(doc)[2:] == [
        ("STORE2", "ic_receivable", "STORE1", Decimal("-25.00")),
        ("STORE1", "ic_payable", "STORE2", Decimal("-25.00")),
    ]
    # nothing prepaid: nothing owed, no rows
    doc = send(collect, calls, "S-15", prepayment_percent="0")
    ic(collect, calls, doc, "transferred")
    ic(collect, calls, doc, "shipped")
    assert collect.postings(doc) == []
    balance = collect.ic_balance()
    assert balance["ic_receivable"] == balance["ic_payable"] == Decimal("0.00")


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
