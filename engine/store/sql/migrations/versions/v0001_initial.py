"""The statewise tables: chart versions, instances, audit trail, timer index, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "statewise_chart_versions",
        sa.Column("chart", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source_hash", sa.String(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created", Time, nullable=False),
        sa.PrimaryKeyConstraint("chart", "version", name="pk_statewise_chart_versions"),
    )
    op.create_table(
        "statewise_instances",
        sa.Column(
            "n",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("chart", sa.String(), nullable=False),
        sa.Column("chart_version", sa.Integer(), nullable=False),
        sa.Column("business_key", sa.String(), nullable=True),
        sa.Column("parent", sa.String(), nullable=True),
        sa.Column("spawn", sa.String(), nullable=True),
        sa.Column("configuration", sa.Text(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("state_since", Time, nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("history", sa.Text(), nullable=False),
        sa.Column("timers", sa.Text(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created", Time, nullable=False),
        sa.Column("updated", Time, nullable=False),
        sa.PrimaryKeyConstraint("n", name="pk_statewise_instances"),
        sa.UniqueConstraint("id", name="uq_statewise_instances_id"),
        sa.UniqueConstraint(
            "chart", "business_key", name="uq_statewise_instances_chart_business_key"
        ),
        sa.ForeignKeyConstraint(
            ["chart", "chart_version"],
            ["statewise_chart_versions.chart", "statewise_chart_versions.version"],
            name="fk_statewise_instances_chart_version",
        ),
        sa.ForeignKeyConstraint(
            ["parent"], ["statewise_instances.id"], name="fk_statewise_instances_parent"
        ),
    )
    op.create_index("ix_statewise_instances_parent", "statewise_instances", ["parent"])
    op.create_index("ix_statewise_instances_spawn", "statewise_instances", ["spawn"])
    op.create_index(
        "ix_statewise_instances_chart_state_state_since_n",
        "statewise_instances",
        ["chart", "state", "state_since", "n"],
    )
    op.create_index("ix_statewise_instances_chart_n", "statewise_instances", ["chart", "n"])
    op.create_table(
        "statewise_audit",
        sa.Column("instance_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("event", sa.String(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("from_configuration", sa.Text(), nullable=False),
        sa.Column("to_configuration", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("client_note", sa.Text(), nullable=True),
        sa.Column("time", Time, nullable=False),
        sa.PrimaryKeyConstraint("instance_id", "seq", "line", name="pk_statewise_audit"),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["statewise_instances.id"],
            name="fk_statewise_audit_instance_id_statewise_instances",
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "statewise_timers",
        sa.Column("instance_id", sa.String(), nullable=False),
        sa.Column("timer_id", sa.String(), nullable=False),
        sa.Column("due", Time, nullable=False),
        sa.Column("lease_owner", sa.String(), nullable=True),
        sa.Column("lease_until", Time, nullable=True),
        sa.PrimaryKeyConstraint("instance_id", "timer_id", name="pk_statewise_timers"),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["statewise_instances.id"],
            name="fk_statewise_timers_instance_id_statewise_instances",
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_statewise_timers_due", "statewise_timers", ["due"])
    op.create_table(
        "statewise_outbox",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("instance_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", Time, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(), nullable=True),
        sa.Column("created", Time, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_statewise_outbox"),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["statewise_instances.id"],
            name="fk_statewise_outbox_instance_id_statewise_instances",
        ),
    )
    op.create_index(
        "ix_statewise_outbox_status_next_attempt_at",
        "statewise_outbox",
        ["status", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_table("statewise_outbox")
    op.drop_table("statewise_timers")
    op.drop_table("statewise_audit")
    op.drop_table("statewise_instances")
    op.drop_table("statewise_chart_versions")
