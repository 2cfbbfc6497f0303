"""Engagement: counts pulled from the platforms over each post's first days, imported clicks, read holds.

New tables only: every pull adds a row (counts are never overwritten), clicks are keyed by the queue entry
id that ``utm_content`` carries, and a channel's reads can be held after a 429 without stopping its posts.
The downgrade drops them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engagement_count",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("publication_id", sa.Integer, nullable=False),
        sa.Column("entry_id", sa.Integer, nullable=True),
        sa.Column("channel", sa.String, nullable=False),
        sa.Column("pulled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gone", sa.Boolean, nullable=False),
        sa.Column("likes", sa.Integer, nullable=True),
        sa.Column("reposts", sa.Integer, nullable=True),
        sa.Column("replies", sa.Integer, nullable=True),
        sa.Column("quotes", sa.Integer, nullable=True),
        sa.Column("impressions", sa.Integer, nullable=True),
    )
    op.create_index("ix_engagement_count_entry_id", "engagement_count", ["entry_id"])
    op.create_index("ix_engagement_count_publication_pulled", "engagement_count", ["publication_id", "pulled_at"])
    op.create_table(
        "click_count",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("entry_id", sa.Integer, nullable=False),
        sa.Column("clicks", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_click_count_entry_id", "click_count", ["entry_id"])
    op.create_table(
        "read_hold",
        sa.Column("channel", sa.String, primary_key=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("read_hold")
    op.drop_table("click_count")
    op.drop_table("engagement_count")
