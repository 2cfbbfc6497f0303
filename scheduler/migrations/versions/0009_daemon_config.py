"""Each daemon's config fingerprint, so daemons on one database can refuse to run with different configs.

Found in review: a daemon whose config lacked some channels settled their claims as in doubt and deleted
their planned entries at its refill; one with a shorter heartbeat took a slower peer's live calls for dead
ones. A new nullable column: rows of daemons that registered before it have none, and nothing is compared
with them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("daemon") as batch:
        batch.add_column(sa.Column("config_digest", sa.String, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("daemon") as batch:
        batch.drop_column("config_digest")
