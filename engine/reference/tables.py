"""The reference integrations' tables (SQLAlchemy Core), beside the statewise tables.

The Alembic migration ``v0002_reference`` creates exactly these (a test compares them).
Money is kept in integer cents (exact on SQLite and PostgreSQL alike); times are UTC.
Every table name starts with ``ref_``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "calls",
    "collect_archive",
    "collect_customers",
    "collect_documents",
    "crm_opportunities",
    "crm_settings",
    "crm_tasks",
    "export_runs",
    "exporters",
    "ic_postings",
    "mail",
    "metadata",
    "payment_faults",
    "payments",
    "reservations",
    "skus",
    "stock",
    "stock_moves",
    "uproduce_faults",
    "uproduce_jobs",
    "usadata_lists",
    "warehouses",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Time = DateTime(timezone=True)
#: an identity column: BIGINT on PostgreSQL, INTEGER (the rowid) on SQLite
Serial = BigInteger().with_variant(Integer(), "sqlite")

# -- shared -------------------------------------------------------------------------------
#: one row per task call performed: its idempotency key and the answer given
calls = Table(
    "ref_calls",
    metadata,
    Column("key", String, nullable=False),
    Column("system", String, nullable=False),
    Column("operation", String, nullable=False),
    Column("outcome", String, nullable=False),
    Column("result", Text, nullable=False),
    Column("created", Time, nullable=False),
    PrimaryKeyConstraint("key"),
)

#: messages a mailbox transport caught (demos, staging): one per idempotency key
mail = Table(
    "ref_mail",
    metadata,
    Column("key", String, nullable=False),
    Column("channel", String, nullable=False),
    Column("recipients", Text, nullable=False),
    Column("subject", Text, nullable=True),
    Column("body", Text, nullable=False),
    Column("template", String, nullable=False),
    Column("instance_id", String, nullable=False),
    Column("sent", Time, nullable=False),
    PrimaryKeyConstraint("key"),
    Index(None, "template"),
)

# -- payments -----------------------------------------------------------------------------
#: the payment ledger: one row per gateway operation (CustomerOrderPayment)
payments = Table(
    "ref_payments",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("order_no", String, nullable=False),
    Column("shipment", String, nullable=False),
    Column("operation", String, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("result", String, nullable=False),
    Column("settled", Boolean, nullable=False),
    Column("reference", String, nullable=False),
    Column("message", Text, nullable=False),
    Column("gateway", String, nullable=False),
    Column("call_key", String, nullable=False),
    Column("created", Time, nullable=False),
    Index(None, "order_no"),
)

#: faults injected into the test gateway per order: AUTH_FAIL, REFUND_FAIL_SEQNO_84.77, ...
payment_faults = Table(
    "ref_payment_faults",
    metadata,
    Column("order_no", String, nullable=False),
    Column("code", String, nullable=False),
    PrimaryKeyConstraint("order_no", "code"),
)

# -- inventory ----------------------------------------------------------------------------
warehouses = Table(
    "ref_warehouses",
    metadata,
    Column("code", String, nullable=False),
    Column("name", String, nullable=False),
    PrimaryKeyConstraint("code"),
)

#: availability: standard, backorder (may be over-reserved), always (no stock kept)
skus = Table(
    "ref_skus",
    metadata,
    Column("code", String, nullable=False),
    Column("name", String, nullable=False),
    Column("availability", String, nullable=False),
    Column("release_date", Date, nullable=True),
    PrimaryKeyConstraint("code"),
)

stock = Table(
    "ref_stock",
    metadata,
    Column("sku", String, nullable=False),
    Column("warehouse", String, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    PrimaryKeyConstraint("sku", "warehouse"),
    CheckConstraint("quantity >= 0", name="quantity"),
    CheckConstraint("reserved >= 0", name="reserved"),
)

#: status: reserved, allocated, voided, credited
reservations = Table(
    "ref_reservations",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("order_no", String, nullable=False),
    Column("delivery_no", String, nullable=False),
    Column("sku", String, nullable=False),
    Column("warehouse", String, nullable=False),
    Column("qty", Integer, nullable=False),
    Column("status", String, nullable=False),
    Column("updated", Time, nullable=False),
    Index(None, "delivery_no"),
    Index(None, "sku", "warehouse", "status"),
)

#: every change of a quantity on hand: initial, receive, allocate (negative), credit
stock_moves = Table(
    "ref_stock_moves",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("sku", String, nullable=False),
    Column("warehouse", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("qty", Integer, nullable=False),
    Column("reference", String, nullable=False),
    Column("at", Time, nullable=False),
    Index(None, "sku", "warehouse"),
)

# -- order export -------------------------------------------------------------------------
#: exporters bound to an eligibility milestone per shop; kind: json_file, email, manual_state
exporters = Table(
    "ref_exporters",
    metadata,
    Column("shop_code", String, nullable=False),
    Column("exporter_id", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("milestone", String, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("settings", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    PrimaryKeyConstraint("shop_code", "exporter_id"),
)

export_runs = Table(
    "ref_export_runs",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("call_key", String, nullable=False),
    Column("order_no", String, nullable=False),
    Column("shop_code", String, nullable=False),
    Column("exporter_id", String, nullable=False),
    Column("milestone", String, nullable=False),
    Column("result", String, nullable=False),
    Column("message", Text, nullable=False),
    Column("next_milestone", String, nullable=True),
    Column("at", Time, nullable=False),
    Index(None, "order_no"),
)

# -- uStore: uProduce and USAData ---------------------------------------------------------
#: status: running, done, failed
uproduce_jobs = Table(
    "ref_uproduce_jobs",
    metadata,
    Column("job_id", String, nullable=False),
    Column("order_product_id", String, nullable=False),
    Column("order_id", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("status", String, nullable=False),
    Column("message", Text, nullable=False),
    Column("submitted", Time, nullable=False),
    Column("due", Time, nullable=False),
    PrimaryKeyConstraint("job_id"),
    Index(None, "order_product_id"),
)

#: the next job of an ordered item fails with this message
uproduce_faults = Table(
    "ref_uproduce_faults",
    metadata,
    Column("order_product_id", String, nullable=False),
    Column("message", Text, nullable=False),
    PrimaryKeyConstraint("order_product_id"),
)

usadata_lists = Table(
    "ref_usadata_lists",
    metadata,
    Column("order_product_id", String, nullable=False),
    Column("records", Integer, nullable=False),
    Column("ordered", Time, nullable=False),
    Column("ready_at", Time, nullable=False),
    Column("retrieved", Time, nullable=True),
    PrimaryKeyConstraint("order_product_id"),
)

# -- click & collect ----------------------------------------------------------------------
collect_customers = Table(
    "ref_collect_customers",
    metadata,
    Column("store_code", String, nullable=False),
    Column("customer_no", String, nullable=False),
    Column("name", String, nullable=False),
    Column("email", String, nullable=False),
    Column("phone", String, nullable=False),
    PrimaryKeyConstraint("store_code", "customer_no"),
)

#: the collecting store's sales documents; status: open, posted, deleted
collect_documents = Table(
    "ref_collect_documents",
    metadata,
    Column("document_no", String, nullable=False),
    Column("source_document_no", String, nullable=False),
    Column("reference_no", String, nullable=False),
    Column("from_store", String, nullable=False),
    Column("to_store", String, nullable=False),
    Column("customer_no", String, nullable=True),
    Column("mapping", String, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("prepaid_cents", BigInteger, nullable=False),
    Column("status", String, nullable=False),
    Column("imported", Time, nullable=False),
    PrimaryKeyConstraint("document_no"),
    UniqueConstraint("source_document_no"),
)

#: postings of the collect sales and the intercompany (IC clearing) rows
ic_postings = Table(
    "ref_ic_postings",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("document_no", String, nullable=False),
    Column("company", String, nullable=False),
    Column("account", String, nullable=False),
    Column("counterparty", String, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("at", Time, nullable=False),
    Index(None, "document_no"),
)

collect_archive = Table(
    "ref_collect_archive",
    metadata,
    Column("document_no", String, nullable=False),
    Column("side", String, nullable=False),
    Column("archived", Time, nullable=False),
    PrimaryKeyConstraint("document_no", "side"),
)

# -- ATS: the CRM -------------------------------------------------------------------------
#: quote_status: evaluation_pending, quote_hold, presented, accepted, repriced, order_accepted
crm_opportunities = Table(
    "ref_crm_opportunities",
    metadata,
    Column("order_id", String, nullable=False),
    Column("salesforce_order_no", String, nullable=False),
    Column("order_type", String, nullable=False),
    Column("quote_status", String, nullable=False),
    Column("entered_by", String, nullable=False),
    Column("created", Time, nullable=False),
    Column("next_change", Time, nullable=True),
    Column("new_order_id", String, nullable=True),
    Column("paid", Boolean, nullable=False),
    PrimaryKeyConstraint("order_id"),
    UniqueConstraint("salesforce_order_no"),
)

#: name -> value; ``outage``: the CRM answers every call with this error
crm_settings = Table(
    "ref_crm_settings",
    metadata,
    Column("name", String, nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("name"),
)

#: people's work the CRM side raises: manual_entry (CSR), reauthorize (CSR supervisor)
crm_tasks = Table(
    "ref_crm_tasks",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("call_key", String, nullable=False),
    Column("order_id", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("instance_id", String, nullable=False),
    Column("created", Time, nullable=False),
    Column("done", Time, nullable=True),
    UniqueConstraint("call_key"),
)
