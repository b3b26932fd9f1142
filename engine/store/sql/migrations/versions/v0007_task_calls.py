"""Pending task calls: a column holding the task calls still waiting for their outcome.

An outcome sent from outside (``done.invoke.<task>``) is accepted only while a call of its
task waits. Instances stored before this revision get NULL: their waiting calls are unknown,
so any outcome is accepted for them (as before).

Revision ID: v0007_task_calls
Revises: v0004_versions
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "v0007_task_calls"
down_revision: str | None = "v0004_versions"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("statewise_instances") as batch:
        batch.add_column(sa.Column("calls", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("statewise_instances") as batch:
        batch.drop_column("calls")
