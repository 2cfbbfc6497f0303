"""The validators (ETag, Last-Modified) of every URL ``library import`` downloaded, for a conditional next one.

A new table only: nothing existing changes, and the downgrade drops it. It follows the scheduler's ``0007``
because the history is one chain across both folders (see :mod:`content_library.migrations`).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imported_url",
        sa.Column("url", sa.String, primary_key=True),
        sa.Column("etag", sa.String, nullable=True),
        sa.Column("last_modified", sa.String, nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("imported_url")
