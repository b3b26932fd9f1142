"""The console and HTTP API tables: users, API tokens, idempotency keys, shared secrets.

Revision ID: v0003_web
Revises: v0006_replay
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "v0003_web"
down_revision: str | None = "v0006_replay"
branch_labels: str | None = None
depends_on: str | None = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "statewise_web_users",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", Time, nullable=True),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created", Time, nullable=False),
        sa.Column("updated", Time, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_statewise_web_users"),
    )
    op.create_table(
        "statewise_web_tokens",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("secret_sha256", sa.String(), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("charts", sa.Text(), nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
        sa.Column("created", Time, nullable=False),
        sa.Column("last_used", Time, nullable=True),
        sa.Column("revoked", Time, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_statewise_web_tokens"),
        sa.UniqueConstraint("name", name="uq_statewise_web_tokens_name"),
    )
    op.create_table(
        "statewise_web_idempotency",
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("request_sha256", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("claimed_at", Time, nullable=False),
        sa.Column("updated", Time, nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_statewise_web_idempotency"),
    )
    op.create_index(
        "ix_statewise_web_idempotency_claimed_at", "statewise_web_idempotency", ["claimed_at"]
    )
    op.create_table(
        "statewise_web_secrets",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("created", Time, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_statewise_web_secrets"),
    )


def downgrade() -> None:
    op.drop_table("statewise_web_secrets")
    op.drop_index("ix_statewise_web_idempotency_claimed_at", "statewise_web_idempotency")
    op.drop_table("statewise_web_idempotency")
    op.drop_table("statewise_web_tokens")
    op.drop_table("statewise_web_users")
