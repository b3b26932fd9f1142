"""The reference integrations' tables: payments ledger, inventory, exports, uStore, collect, CRM.

These belong to the reference integrations in ``engine/reference/`` (their definitions, which
a test compares with this migration, are in ``engine/reference/tables.py``). A shop that
writes its own integrations leaves them empty. Money is kept in integer cents.

Revision ID: v0002_reference
Revises: v0005_scale
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "v0002_reference"
down_revision: str | None = "v0005_scale"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "ref_calls",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("system", sa.String(), nullable=False),
        sa.Column("operation", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_ref_calls")),
    )
    op.create_table(
        "ref_collect_archive",
        sa.Column("document_no", sa.String(), nullable=False),
        sa.Column("side", sa.String(), nullable=False),
        sa.Column("archived", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("document_no", "side", name=op.f("pk_ref_collect_archive")),
    )
    op.create_table(
        "ref_collect_customers",
        sa.Column("store_code", sa.String(), nullable=False),
        sa.Column("customer_no", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("phone", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("store_code", "customer_no", name=op.f("pk_ref_collect_customers")),
    )
    op.create_table(
        "ref_collect_documents",
        sa.Column("document_no", sa.String(), nullable=False),
        sa.Column("source_document_no", sa.String(), nullable=False),
        sa.Column("reference_no", sa.String(), nullable=False),
        sa.Column("from_store", sa.String(), nullable=False),
        sa.Column("to_store", sa.String(), nullable=False),
        sa.Column("customer_no", sa.String(), nullable=True),
        sa.Column("mapping", sa.String(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("prepaid_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("imported", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("document_no", name=op.f("pk_ref_collect_documents")),
        sa.UniqueConstraint(
            "source_document_no", name=op.f("uq_ref_collect_documents_source_document_no")
        ),
    )
    op.create_table(
        "ref_crm_opportunities",
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("salesforce_order_no", sa.String(), nullable=False),
        sa.Column("order_type", sa.String(), nullable=False),
        sa.Column("quote_status", sa.String(), nullable=False),
        sa.Column("entered_by", sa.String(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_change", sa.DateTime(timezone=True), nullable=True),
        sa.Column("new_order_id", sa.String(), nullable=True),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_ref_crm_opportunities")),
        sa.UniqueConstraint(
            "salesforce_order_no", name=op.f("uq_ref_crm_opportunities_salesforce_order_no")
        ),
    )
    op.create_table(
        "ref_crm_settings",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ref_crm_settings")),
    )
    op.create_table(
        "ref_crm_tasks",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("call_key", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("instance_id", sa.String(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ref_crm_tasks")),
        sa.UniqueConstraint("call_key", name=op.f("uq_ref_crm_tasks_call_key")),
    )
    op.create_table(
        "ref_export_runs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("call_key", sa.String(), nullable=False),
        sa.Column("order_no", sa.String(), nullable=False),
        sa.Column("shop_code", sa.String(), nullable=False),
        sa.Column("exporter_id", sa.String(), nullable=False),
        sa.Column("milestone", sa.String(), nullable=False),
        sa.Column("result", sa.String(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("next_milestone", sa.String(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ref_export_runs")),
    )
    op.create_index(
        op.f("ix_ref_export_runs_order_no"), "ref_export_runs", ["order_no"], unique=False
    )
    op.create_table(
        "ref_exporters",
        sa.Column("shop_code", sa.String(), nullable=False),
        sa.Column("exporter_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("milestone", sa.String(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("shop_code", "exporter_id", name=op.f("pk_ref_exporters")),
    )
    op.create_table(
        "ref_ic_postings",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("document_no", sa.String(), nullable=False),
        sa.Column("company", sa.String(), nullable=False),
        sa.Column("account", sa.String(), nullable=False),
        sa.Column("counterparty", sa.String(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ref_ic_postings")),
    )
    op.create_index(
        op.f("ix_ref_ic_postings_document_no"), "ref_ic_postings", ["document_no"], unique=False
    )
    op.create_table(
        "ref_mail",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("template", sa.String(), nullable=False),
        sa.Column("instance_id", sa.String(), nullable=False),
        sa.Column("sent", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_ref_mail")),
    )
    op.create_index(op.f("ix_ref_mail_template"), "ref_mail", ["template"], unique=False)
    op.create_table(
        "ref_payment_faults",
        sa.Column("order_no", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("order_no", "code", name=op.f("pk_ref_payment_faults")),
    )
    op.create_table(
        "ref_payments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("order_no", sa.String(), nullable=False),
        sa.Column("shipment", sa.String(), nullable=False),
        sa.Column("operation", sa.String(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("result", sa.String(), nullable=False),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("gateway", sa.String(), nullable=False),
        sa.Column("call_key", sa.String(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ref_payments")),
    )
    op.create_index(op.f("ix_ref_payments_order_no"), "ref_payments", ["order_no"], unique=False)
    op.create_table(
        "ref_reservations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("order_no", sa.String(), nullable=False),
        sa.Column("delivery_no", sa.String(), nullable=False),
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("warehouse", sa.String(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ref_reservations")),
    )
    op.create_index(
        op.f("ix_ref_reservations_delivery_no"), "ref_reservations", ["delivery_no"], unique=False
    )
    op.create_index(
        op.f("ix_ref_reservations_sku_warehouse_status"),
        "ref_reservations",
        ["sku", "warehouse", "status"],
        unique=False,
    )
    op.create_table(
        "ref_skus",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("availability", sa.String(), nullable=False),
        sa.Column("release_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ref_skus")),
    )
    op.create_table(
        "ref_stock",
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("warehouse", sa.String(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_ref_stock_quantity")),
        sa.CheckConstraint("reserved >= 0", name=op.f("ck_ref_stock_reserved")),
        sa.PrimaryKeyConstraint("sku", "warehouse", name=op.f("pk_ref_stock")),
    )
    op.create_table(
        "ref_stock_moves",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("sku", sa.String(), nullable=False),
        sa.Column("warehouse", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ref_stock_moves")),
    )
    op.create_index(
        op.f("ix_ref_stock_moves_sku_warehouse"),
        "ref_stock_moves",
        ["sku", "warehouse"],
        unique=False,
    )
    op.create_table(
        "ref_uproduce_faults",
        sa.Column("order_product_id", sa.String(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("order_product_id", name=op.f("pk_ref_uproduce_faults")),
    )
    op.create_table(
        "ref_uproduce_jobs",
        sa.Column("job_id", sa.String(), nullable=False),
        sa.Column("order_product_id", sa.String(), nullable=False),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("submitted", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_ref_uproduce_jobs")),
    )
    op.create_index(
        op.f("ix_ref_uproduce_jobs_order_product_id"),
        "ref_uproduce_jobs",
        ["order_product_id"],
        unique=False,
    )
    op.create_table(
        "ref_usadata_lists",
        sa.Column("order_product_id", sa.String(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("ordered", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retrieved", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("order_product_id", name=op.f("pk_ref_usadata_lists")),
    )
    op.create_table(
        "ref_warehouses",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ref_warehouses")),
    )


def downgrade() -> None:
    op.drop_table("ref_warehouses")
    op.drop_table("ref_usadata_lists")
    op.drop_index(op.f("ix_ref_uproduce_jobs_order_product_id"), table_name="ref_uproduce_jobs")
    op.drop_table("ref_uproduce_jobs")
    op.drop_table("ref_uproduce_faults")
    op.drop_index(op.f("ix_ref_stock_moves_sku_warehouse"), table_name="ref_stock_moves")
    op.drop_table("ref_stock_moves")
    op.drop_table("ref_stock")
    op.drop_table("ref_skus")
    op.drop_index(op.f("ix_ref_reservations_sku_warehouse_status"), table_name="ref_reservations")
    op.drop_index(op.f("ix_ref_reservations_delivery_no"), table_name="ref_reservations")
    op.drop_table("ref_reservations")
    op.drop_index(op.f("ix_ref_payments_order_no"), table_name="ref_payments")
    op.drop_table("ref_payments")
    op.drop_table("ref_payment_faults")
    op.drop_index(op.f("ix_ref_mail_template"), table_name="ref_mail")
    op.drop_table("ref_mail")
    op.drop_index(op.f("ix_ref_ic_postings_document_no"), table_name="ref_ic_postings")
    op.drop_table("ref_ic_postings")
    op.drop_table("ref_exporters")
    op.drop_index(op.f("ix_ref_export_runs_order_no"), table_name="ref_export_runs")
    op.drop_table("ref_export_runs")
    op.drop_table("ref_crm_tasks")
    op.drop_table("ref_crm_settings")
    op.drop_table("ref_crm_opportunities")
    op.drop_table("ref_collect_documents")
    op.drop_table("ref_collect_customers")
    op.drop_table("ref_collect_archive")
    op.drop_table("ref_calls")
