"""The period each clicks import covers: nullable ``period_since`` and ``period_until`` on click_count.

Found in review: every import stated a post's clicks, the latest replacing the earlier, so a user importing
each month's export lost the earlier months' clicks of every post a later export also listed. An import with
``--since``/``--until`` now records its period on its rows, and a post's clicks add up over its periods.
Rows written before stay NULL: they were imported as totals, and keep counting as totals.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COLUMNS = ("period_since", "period_until")


def upgrade() -> None:
    with op.batch_alter_table("click_count") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("click_count") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
