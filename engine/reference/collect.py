"""Click & Collect between two stores: the order import, the customer mapping and the
intercompany (IC clearing) postings.

NaviPartner NpCs (seed-systems (b)). The origin's Send Order step (``send_order``) imports
the order into the collecting store (``ImportSalesDocuments``): a sales document is
created, and a repeated import of the same source document does nothing (B.7.1). The
collecting document's flow then maps the customer (``map_customer``) by the workflow's
**customer mapping** (B.5, B.7.6): found by e-mail and/or phone or created, the fixed
(walk-in) customer, the origin's customer number, or none.

**IC clearing** (seed 003: "intercompany reconciliation ... when orders/items are
transferred, sold, and shipped"), ``post_intercompany`` by stage, for a prepaid order:

* ``transferred`` (the import): the collecting company's receivable from the origin and the
  origin's payable, both the prepaid amount;
* sold: the sale itself, ``post_sales_document`` (the collecting company's ``sales`` row);
* ``shipped`` (the pickup): settled, the origin pays the collecting company (``bank`` rows)
  and both sides are cleared;
* ``reversed`` (the order ended without shipping): what is still owed is taken back.

The origin's post-processing module ``IC_CLEARING`` settles what is still owed (the same as
``shipped``; nothing when the pickup settled it). Every stage posts both companies' sides,
so receivables always equal payables. ``get_collect_document`` answers the origin's poll
(``GetCollectDocuments``) from the collecting document.

Customer mappings: ``blank`` (no customer), ``email``, ``phone``, ``email_and_phone``,
``email_or_phone``, ``fixed`` (``fixed_customer_no``), ``from_source`` (the origin's
customer number).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from engine.reference import tables as t
from engine.reference.db import RefDb, TaskRefused, cents, money

if TYPE_CHECKING:
    from engine.runtime import InstanceInfo
    from engine.service import TaskHandler

__all__ = ["IC_STAGES", "MAPPINGS", "CollectStores", "Lookup"]

MAPPINGS = ("blank", "email", "phone", "email_and_phone", "email_or_phone", "fixed", "from_source")
IC_STAGES = ("transferred", "shipped", "reversed")
#: the collecting side's chart; ``get_collect_document`` reads its instances
COLLECTING_CHART = "collect.collect_in_store"
#: (chart, key) -> the instance's context, or None (the collecting store's documents)
Lookup = Callable[[str, str], "Mapping[str, Any] | None"]


class CollectStores:
    """The stores' collect documents, customers and postings in the statewise database."""

    def __init__(self, db: RefDb, lookup: Lookup) -> None:
        self.db = db
        self.lookup = lookup

    # -- set-up -------------------------------------------------------------------------
    def add_customer(
        self, store: str, customer_no: str, name: str, email: str = "", phone: str = ""
    ) -> None:
        """A customer of ``store``, such as the walk-in customer a workflow's fixed
        mapping names (``fixed_customer_no``)."""
        with self.db.begin() as conn:
            _new_customer(conn, store, customer_no, name, email, phone)

    # -- the origin's side ------------------------------------------------------------
    def send_order(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        source = str(input["document_no"])

        def work(conn: Connection) -> Mapping[str, Any]:
            found = _document_of(conn, source)
            if found is not None:  # imported before: the import is a no-op (B.7.1)
                return {"collect_document_no": found}
            store = str(input["to_store_code"])
            mapping = str(input.get("customer_mapping") or "blank")
            if mapping not in MAPPINGS:
                raise TaskRefused(
                    f"unknown customer mapping {mapping!r}; expected one of {MAPPINGS}"
                )
            amount = Decimal(str(input.get("order_amount") or "0"))
            prepaid = amount * Decimal(str(input.get("prepayment_percent") or "0")) / 100
            number = f"C{source}"
            conn.execute(
                insert(t.collect_documents).values(
                    document_no=number,
                    source_document_no=source,
                    reference_no=str(input.get("reference_no") or input.get("sales_order_no")),
                    from_store=str(input.get("from_store_code") or ""),
                    to_store=store,
                    customer_no=None,  # mapped by the collecting document's flow
                    mapping=mapping,
                    amount_cents=cents(amount),
                    prepaid_cents=cents(prepaid),
                    status="open",
                    imported=self.db.now(),
                )
            )
            return {"collect_document_no": number}

        return self.db.once(idempotency_key, "collect", "import", work)

    def get_collect_document(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        source = str(input["document_no"])

        def work(conn: Connection) -> Mapping[str, Any]:
            number = _document_of(conn, source)
            context = None if number is None else self.lookup(COLLECTING_CHART, number)
            if context is None:
                raise TaskRefused("Collect Document has been deleted in Store")
            return {
                "processing_status": context.get("processing_status") or "blank",
                "delivery_status": context.get("delivery_status") or "blank",
            }

        return self.db.once(idempotency_key, "collect", "poll", work)

    def post_processing(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        module = str(input.get("module") or "")
        source = str(input["document_no"])

        def work(conn: Connection) -> Mapping[str, Any]:
            if module != "IC_CLEARING":
                raise TaskRefused(f"unknown post-processing module {module!r} (IC_CLEARING)")
            number = _document_of(conn, source)
            row = None if number is None else _document(conn, number)
            if number is None or row is None:
                return {}  # nothing owed between the stores
            _settle(conn, number, row, self.db.now())
            return {}

        return self.db.once(idempotency_key, "collect", "post_processing", work)

    # -- the collecting store's side --------------------------------------------------
    def post_sales_document(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        number = str(input["document_no"])

        def work(conn: Connection) -> Mapping[str, Any]:
            row = _document(conn, number)
            if row is None:
                raise TaskRefused(f"no collect sales document {number}")
            if row.status == "posted":
                return {}
            if row.status == "deleted":
                raise TaskRefused(f"collect sales document {number} was deleted")
            now = self.db.now()
            _post(conn, number, row.to_store, "sales", row.from_store, row.amount_cents, now)
            _status(conn, number, "posted")
            return {}

        return self.db.once(idempotency_key, "collect", "post", work)

    def delete_sales_document(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        number = str(input["document_no"])

        def work(conn: Connection) -> Mapping[str, Any]:
            row = _document(conn, number)
            if row is not None and row.status == "open":
                _status(conn, number, "deleted")
            return {}

        return self.db.once(idempotency_key, "collect", "delete", work)

    def archive_document(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        number = str(input["document_no"])
        side = "collecting" if instance.chart == COLLECTING_CHART else "origin"

        def work(conn: Connection) -> Mapping[str, Any]:
            done = conn.execute(
                select(func.count()).where(
                    t.collect_archive.c.document_no == number, t.collect_archive.c.side == side
                )
            ).scalar_one()
            if not done:
                conn.execute(
                    insert(t.collect_archive).values(
                        document_no=number, side=side, archived=self.db.now()
                    )
                )
            return {}

        return self.db.once(idempotency_key, "collect", "archive", work)

    def map_customer(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        """The collecting store's customer for the imported order, by the workflow's
        mapping: ``{customer_no, match}`` (matched, created, fixed or none)."""
        number = str(input["document_no"])

        def work(conn: Connection) -> Mapping[str, Any]:
            store = str(input["store_code"])
            mapping = str(input.get("mapping") or "blank")
            customer, match = _map_customer(conn, store, mapping, input)
            conn.execute(
                update(t.collect_documents)
                .where(t.collect_documents.c.document_no == number)
                .values(customer_no=customer)
            )
            return {"customer_no": customer, "match": match}

        return self.db.once(idempotency_key, "collect", "map_customer", work)

    def post_intercompany(
        self, input: Mapping[str, Any], /, *, idempotency_key: str, instance: InstanceInfo
    ) -> Mapping[str, Any]:
        """The IC clearing rows of one stage (transferred, shipped, reversed)."""
        number, stage = str(input["document_no"]), str(input.get("stage"))
        if stage not in IC_STAGES:
            raise TaskRefused(f"unknown intercompany stage {stage!r}; expected one of {IC_STAGES}")

        def work(conn: Connection) -> Mapping[str, Any]:
            row = _document(conn, number)
            if row is None:
                raise TaskRefused(f"no collect sales document {number}")
            now = self.db.now()
            if stage == "transferred":
                if row.prepaid_cents and not _posted(conn, number, "ic_receivable"):
                    owed = row.prepaid_cents
                    _post(conn, number, row.to_store, "ic_receivable", row.from_store, owed, now)
                    _post(conn, number, row.from_store, "ic_payable", row.to_store, owed, now)
            elif stage == "shipped":
                _settle(conn, number, row, now)
            else:
                owed = _open(conn, number)
                if owed:
                    _post(conn, number, row.to_store, "ic_receivable", row.from_store, -owed, now)
                    _post(conn, number, row.from_store, "ic_payable", row.to_store, -owed, now)
            return {}

        return self.db.once(idempotency_key, "collect", f"ic_{stage}", work)

    def tasks(self) -> dict[str, TaskHandler]:
        return {
            "send_order": self.send_order,
            "map_customer": self.map_customer,
            "post_intercompany": self.post_intercompany,
            "get_collect_document": self.get_collect_document,
            "post_processing": self.post_processing,
            "post_sales_document": self.post_sales_document,
            "delete_sales_document": self.delete_sales_document,
            "archive_document": self.archive_document,
        }

    # -- reports ----------------------------------------------------------------------
    def postings(self, document_no: str) -> list[tuple[str, str, str, Decimal]]:
        """One document's postings, in order: (company, account, counterparty, amount)."""
        p = t.ic_postings.c
        with self.db.begin() as conn:
            found = conn.execute(
                select(p.company, p.account, p.counterparty, p.amount_cents)
                .where(p.document_no == document_no)
                .order_by(p.id)
            )
            return [(c, a, o, money(int(n))) for c, a, o, n in found]

    def ic_balance(self) -> dict[str, Decimal]:
        """The sum per account over all companies (``ic_receivable`` and ``ic_payable``
        are equal when the intercompany postings balance)."""
        with self.db.begin() as conn:
            found = conn.execute(
                select(t.ic_postings.c.account, func.sum(t.ic_postings.c.amount_cents)).group_by(
                    t.ic_postings.c.account
                )
            )
            return {account: money(int(n)) for account, n in found}

    def documents(self) -> dict[str, int]:
        """How many collect sales documents per status."""
        with self.db.begin() as conn:
            found = conn.execute(
                select(t.collect_documents.c.status, func.count()).group_by(
                    t.collect_documents.c.status
                )
            )
            return {status: int(n) for status, n in found}


def _document_of(conn: Connection, source: str) -> str | None:
    return conn.execute(
        select(t.collect_documents.c.document_no).where(
            t.collect_documents.c.source_document_no == source
        )
    ).scalar()


def _document(conn: Connection, number: str) -> Any:
    return conn.execute(
        select(
            t.collect_documents.c.status,
            t.collect_documents.c.from_store,
            t.collect_documents.c.to_store,
            t.collect_documents.c.amount_cents,
            t.collect_documents.c.prepaid_cents,
        ).where(t.collect_documents.c.document_no == number)
    ).first()


def _status(conn: Connection, number: str, status: str) -> None:
    conn.execute(
        update(t.collect_documents)
        .where(t.collect_documents.c.document_no == number)
        .values(status=status)
    )


def _post(
    conn: Connection, number: str, company: str, account: str, other: str, amount: int, now: Any
) -> None:
    conn.execute(
        insert(t.ic_postings).values(
            document_no=number,
            company=company,
            account=account,
            counterparty=other,
            amount_cents=amount,
            at=now,
        )
    )


def _posted(conn: Connection, number: str, account: str) -> bool:
    p = t.ic_postings.c
    found = conn.execute(
        select(func.count()).where(p.document_no == number, p.account == account)
    ).scalar_one()
    return bool(found)


def _open(conn: Connection, number: str) -> int:
    """What the origin still owes the collecting company for this document (cents)."""
    p = t.ic_postings.c
    owed = conn.execute(
        select(func.coalesce(func.sum(p.amount_cents), 0)).where(
            p.document_no == number, p.account == "ic_receivable"
        )
    ).scalar_one()
    return int(owed)


def _settle(conn: Connection, number: str, row: Any, now: Any) -> None:
    """The origin pays what it still owes: bank rows on both sides, both sides cleared."""
    owed = _open(conn, number)
    if not owed:
        return
    for company, account, other, amount in (
        (row.from_store, "ic_payable", row.to_store, -owed),
        (row.to_store, "ic_receivable", row.from_store, -owed),
        (row.from_store, "bank", row.to_store, -owed),
        (row.to_store, "bank", row.from_store, owed),
    ):
        _post(conn, number, company, account, other, amount, now)


def _map_customer(
    conn: Connection, store: str, mapping: str, order: Mapping[str, Any]
) -> tuple[str | None, str]:
    """The collecting store's customer for the order and how it was found (B.5, B.7.6):
    matched, created, fixed (the workflow's walk-in customer) or none."""
    if mapping not in MAPPINGS:
        raise TaskRefused(f"unknown customer mapping {mapping!r}; expected one of {MAPPINGS}")
    if mapping == "blank":
        return None, "none"
    name = str(order.get("customer_name") or "")
    email = str(order.get("customer_email") or "")
    phone = str(order.get("customer_phone") or "")
    c = t.collect_customers.c
    if mapping in ("fixed", "from_source"):
        # B.7.6: the number sent is used as it is; the store must know the customer
        field = "fixed_customer_no" if mapping == "fixed" else "source_customer_no"
        number = str(order.get(field) or "")
        if not number:
            raise TaskRefused(f"customer mapping {mapping} needs {field}")
        known = conn.execute(
            select(c.customer_no).where(c.store_code == store, c.customer_no == number)
        ).scalar()
        if known is None:
            raise TaskRefused(f"customer {number} does not exist in store {store}")
        return number, "fixed" if mapping == "fixed" else "matched"
    needs_email = mapping in ("email", "email_and_phone")
    needs_phone = mapping in ("phone", "email_and_phone")
    if (needs_email and not email) or (needs_phone and not phone) or not (email or phone):
        raise TaskRefused(f"Customer E-mail or Phone No. missing for customer mapping {mapping}")
    match = {
        "email": c.email == email,
        "phone": c.phone == phone,
        "email_and_phone": and_(c.email == email, c.phone == phone),
        "email_or_phone": or_(
            and_(c.email == email, c.email != ""), and_(c.phone == phone, c.phone != "")
        ),
    }[mapping]
    found = conn.execute(
        select(c.customer_no).where(c.store_code == store, match).order_by(c.customer_no)
    ).scalar()
    if found is not None:
        return str(found), "matched"
    # a number of its own for the contact (two stores' imports never race for one)
    number = f"{store}-CU{zlib.crc32(f'{email}|{phone}'.encode()):08X}"
    _new_customer(conn, store, number, name, email, phone)
    return number, "created"


def _new_customer(
    conn: Connection, store: str, number: str, name: str, email: str, phone: str
) -> None:
    conn.execute(
        insert(t.collect_customers).values(
            store_code=store, customer_no=number, name=name, email=email, phone=phone
        )
    )
