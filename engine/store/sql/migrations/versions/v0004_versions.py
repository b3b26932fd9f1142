"""Chart versions that follow meaning: each version keeps its fingerprint (the hash of its
meaning), the meaning itself (to say what changed) and its files (so instances can run on
it after the files have moved on).

Versions registered before this revision keep ``fingerprint`` empty until the same chart
is registered again: a definition whose bytes are unchanged then fills it in.

Revision ID: v0004_versions
Revises: v0003_web
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "v0004_versions"
down_revision: str | None = "v0003_web"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("statewise_chart_versions") as table:
        table.add_column(sa.Column("fingerprint", sa.String(), nullable=True))
        table.add_column(sa.Column("meaning", sa.Text(), nullable=True))
        table.add_column(sa.Column("bundle", sa.Text(), nullable=True))
    op.create_index(
        "ix_statewise_chart_versions_chart_fingerprint",
        "statewise_chart_versions",
        ["chart", "fingerprint"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_statewise_chart_versions_chart_fingerprint", table_name="statewise_chart_versions"
    )
    with op.batch_alter_table("statewise_chart_versions") as table:
        table.drop_column("bundle")
        table.drop_column("meaning")
        table.drop_column("fingerprint")
