"""Data that does not grow forever: the archive table, and the indexes purging and archiving
read (done outbox items by age, finished instances by age, an instance's outbox items). The
indexes on ``parent`` and ``spawn`` become partial (top-level instances are not in them):
an update that changes an instance's state then maintains two indexes fewer.

Additive only, so it can run while statewise processes work on the database: on PostgreSQL
the indexes are built with ``CREATE INDEX CONCURRENTLY`` (no lock on writes while they
build); the new table and indexes are unknown to older code, which keeps working.

Revision ID: v0005_scale
Revises: v0007_task_calls
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "v0005_scale"
down_revision: str | None = "v0007_task_calls"
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
#: indexes replaced by partial ones of the same name: (name, column)
PARTIAL = (("ix_statewise_instances_parent", "parent"), ("ix_statewise_instances_spawn", "spawn"))


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
            for name, column in PARTIAL:  # the new one first: queries never go without
                op.create_index(
                    f"{name}_new",
                    "statewise_instances",
                    [column],
                    postgresql_where=sa.text(f"{column} IS NOT NULL"),
                    postgresql_concurrently=True,
                    if_not_exists=True,
                )
                op.drop_index(name, table_name="statewise_instances", postgresql_concurrently=True)
                op.execute(f"ALTER INDEX {name}_new RENAME TO {name}")
    else:
        for name, table, columns, where in INDEXES:
            op.create_index(name, table, columns, sqlite_where=where)
        for name, column in PARTIAL:
            op.drop_index(name, table_name="statewise_instances")
            op.create_index(
                name,
                "statewise_instances",
                [column],
                sqlite_where=sa.text(f"{column} IS NOT NULL"),
            )


def downgrade() -> None:
    for name, column in PARTIAL:
        op.drop_index(name, table_name="statewise_instances")
        op.create_index(name, "statewise_instances", [column])
    for name, table, _columns, _where in INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("statewise_archive")
