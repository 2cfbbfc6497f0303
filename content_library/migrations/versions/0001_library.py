"""The content library: items, variants, feeds.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("title", sa.String, nullable=False),
        sa.Column("url", sa.String),
        sa.Column("url_key", sa.String),
        sa.Column("guid", sa.String),
        sa.Column("summary", sa.String, nullable=False),
        sa.Column("category", sa.String),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("max_shares", sa.Integer),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("url_key", name="uq_item_url_key"),
    )
    op.create_index("ix_item_kind", "item", ["kind"])
    op.create_index("ix_item_source_guid", "item", ["source", "guid"], unique=True)
    op.create_index("ix_item_status_category", "item", ["status", "category"])
    op.create_table(
        "variant",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("item.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.String, nullable=False),
        sa.Column("channel_kind", sa.String),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_variant_item_id", "variant", ["item_id"])
    op.create_table(
        "feed",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False, unique=True),
        sa.Column("url", sa.String, nullable=False, unique=True),
        sa.Column("category", sa.String),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("origin", sa.String, nullable=False),
        sa.Column("etag", sa.String),
        sa.Column("last_modified", sa.String),
        sa.Column("last_polled_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.String),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
