"""The queue, the publication history and holds (paused channels and campaigns).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _utc(name: str, *, nullable: bool = True) -> "sa.Column[datetime]":
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "queue_entry",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String, nullable=False, unique=True),
        sa.Column("channel", sa.String, nullable=False),
        sa.Column("campaign", sa.String),
        sa.Column("zone", sa.String, nullable=False),
        _utc("at", nullable=False),
        sa.Column("item_id", sa.Integer, nullable=False),
        sa.Column("variant_id", sa.Integer),
        sa.Column("text", sa.String, nullable=False),
        sa.Column("state", sa.String, nullable=False),
        sa.Column("pinned", sa.Boolean, nullable=False),
        sa.Column("origin", sa.String, nullable=False),
        sa.Column("reason", sa.String, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("claimed_by", sa.String),
        _utc("lease_until"),
        _utc("next_attempt_at"),
        sa.Column("last_error", sa.String),
        _utc("created_at", nullable=False),
        _utc("updated_at", nullable=False),
    )
    op.create_index("ix_queue_entry_state_at", "queue_entry", ["state", "at"])
    op.create_index("ix_queue_entry_channel_at", "queue_entry", ["channel", "at"])
    op.create_index("ix_queue_entry_item_id", "queue_entry", ["item_id"])
    op.create_table(
        "publication",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("entry_id", sa.Integer, unique=True),
        sa.Column("channel", sa.String, nullable=False),
        sa.Column("campaign", sa.String),
        sa.Column("zone", sa.String, nullable=False),
        sa.Column("item_id", sa.Integer, nullable=False),
        sa.Column("variant_id", sa.Integer),
        sa.Column("text", sa.String, nullable=False),
        sa.Column("remote_id", sa.String),
        sa.Column("remote_url", sa.String),
        _utc("scheduled_at", nullable=False),
        _utc("published_at", nullable=False),
    )
    op.create_index("ix_publication_channel_item", "publication", ["channel", "item_id"])
    op.create_index("ix_publication_published_at", "publication", ["published_at"])
    op.create_table(
        "hold",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scope", sa.String, nullable=False),
        sa.Column("name", sa.String, nullable=False),
        _utc("until"),
        sa.Column("reason", sa.String, nullable=False),
        _utc("created_at", nullable=False),
    )
    op.create_index("ix_hold_scope_name", "hold", ["scope", "name"], unique=True)
