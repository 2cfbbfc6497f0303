"""Why a hold was made: by a person, for a rate limit, for a refusal, or because the channel cannot be built.

Before this, a person's hold was told from the daemon's by its reason text. The daemon releases a
``misconfigured`` hold by itself once the channel builds again (a variable set, an extra installed); the
others wait for their end or for a person. Existing rows get their cause from what they held: the person's
reason text, else an end instant (a rate limit), else a refusal.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hold") as batch:
        batch.add_column(sa.Column("cause", sa.String, nullable=False, server_default="person"))
    op.execute(
        "UPDATE hold SET cause = CASE WHEN reason = 'paused by a person' THEN 'person' "
        "WHEN until IS NOT NULL THEN 'rate_limit' ELSE 'refused' END"
    )


def downgrade() -> None:
    with op.batch_alter_table("hold") as batch:
        batch.drop_column("cause")
