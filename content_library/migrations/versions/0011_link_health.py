"""Link health: the last check of each item's link with its link card, the old addresses of moved pages, and
why evertide paused an item.

New tables and one nullable column: nothing existing changes, and the downgrade removes them. Self-contained,
so it can follow whichever revision is the head when it lands (the history is one chain across both folders,
see :mod:`content_library.migrations`).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("item") as batch:
        batch.add_column(sa.Column("status_reason", sa.String, nullable=True))
    op.create_table(
        "item_alias",
        sa.Column("url_key", sa.String, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("item.id", ondelete="CASCADE"), nullable=False),
        sa.Column("url", sa.String, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_item_alias_item_id", "item_alias", ["item_id"])
    op.create_table(
        "link_check",
        sa.Column(
            "item_id", sa.Integer, sa.ForeignKey("item.id", ondelete="CASCADE"), primary_key=True, nullable=False
        ),
        sa.Column("state", sa.String, nullable=False),
        sa.Column("http_status", sa.Integer, nullable=True),
        sa.Column("detail", sa.String, nullable=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("card_title", sa.String, nullable=True),
        sa.Column("card_description", sa.String, nullable=True),
        sa.Column("card_image", sa.String, nullable=True),
    )
    op.create_index("ix_link_check_next_check_at", "link_check", ["next_check_at"])


def downgrade() -> None:
    op.drop_index("ix_link_check_next_check_at", "link_check")
    op.drop_table("link_check")
    op.drop_index("ix_item_alias_item_id", "item_alias")
    op.drop_table("item_alias")
    with op.batch_alter_table("item") as batch:
        batch.drop_column("status_reason")
