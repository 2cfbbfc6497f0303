"""Where an item came from: the URL of the feed or file it was fetched from (none for a person's own).

Found in review: the address rule for an item's link and pictures was looked up by the feed's name, so an
item imported from a URL (no feed row) or whose feed left the config passed for a person's own and its
internal links were fetched. One nullable column, filled by the next poll or import; the downgrade removes it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("item") as batch:
        batch.add_column(sa.Column("came_from", sa.String, nullable=True))
    # items of feeds the database knows: their feed's URL, so the rule holds from the first check on
    op.execute(
        "UPDATE item SET came_from = (SELECT feed.url FROM feed WHERE feed.name = item.source) "
        "WHERE EXISTS (SELECT 1 FROM feed WHERE feed.name = item.source AND "
        "(feed.url LIKE 'http://%' OR feed.url LIKE 'https://%'))"
    )


def downgrade() -> None:
    with op.batch_alter_table("item") as batch:
        batch.drop_column("came_from")
