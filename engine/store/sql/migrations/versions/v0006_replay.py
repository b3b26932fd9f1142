"""What `statewise replay` needs, recorded with every step from now on: the event's origin
and roles, the context fields the step changed and the effects it asked for.

Rows written before this revision keep NULL in the new columns ("not recorded").

Revision ID: v0006_replay
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "v0006_replay"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

COLUMNS = (
    ("origin", sa.String()),
    ("roles", sa.Text()),
    ("changes", sa.Text()),
    ("effects", sa.Text()),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("statewise_audit", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for name, _ in reversed(COLUMNS):
        op.drop_column("statewise_audit", name)
