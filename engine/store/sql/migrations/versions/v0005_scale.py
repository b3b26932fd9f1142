"""Data that does not grow forever: the archive table, and the indexes purging and archiving
read (done outbox items by age, finished instances by age, an instance's outbox items).

Additive only, so it can run while statewise processes work on the database: on PostgreSQL
the indexes are built with ``CREATE INDEX CONCURRENTLY`` (no lock on writes while they
build); the new table and indexes are unknown to older code, which keeps working.

Revision ID: v0005_scale
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "v0005_scale"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

Time = sa.DateTime(timezone=True)
DONE = sa.text("status = 'done'")

#: (name, table, columns, partial predicate)
INDEXES: tuple[tuple[str, str, list[str], sa.TextClause | None], ...] = (
    ("ix_statewise_instances_finished", "statewise_instances", ["state_since"], DONE),
    ("ix_statewise_outbox_instance_id", "statewise_outbox", ["instance_id"], None),
    ("ix_statewise_outbox_done", "statewise_outbox", ["created"], DONE),
)


def upgrade() -> None:
    op.create_table(
        "statewise_archive",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("chart", sa.String(), nullable=False),
        sa.Column("chart_version", sa.Integer(), nullable=False),
        sa.Column("business_key", sa.String(), nullable=True),
        sa.Column("parent", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("created", Time, nullable=False),
        sa.Column("finished", Time, nullable=False),
        sa.Column("archived", Time, nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_statewise_archive"),
    )
    op.create_index(
        "ix_statewise_archive_chart_business_key", "statewise_archive", ["chart", "business_key"]
    )
    op.create_index(
        "ix_statewise_archive_chart_archived_id", "statewise_archive", ["chart", "archived", "id"]
    )
    op.create_index("ix_statewise_archive_archived_id", "statewise_archive", ["archived", "id"])
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():  # CONCURRENTLY cannot run in a transaction
            for name, table, columns, where in INDEXES:
                op.create_index(
                    name,
                    table,
                    columns,
                    postgresql_where=where,
                    postgresql_concurrently=True,
                    if_not_exists=True,
                )
    else:
        for name, table, columns, where in INDEXES:
            op.create_index(name, table, columns, sqlite_where=where)


def downgrade() -> None:
    for name, table, _columns, _where in INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("statewise_archive")
