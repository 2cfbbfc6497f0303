"""Singleton jobs: when each daemon-wide job (feed polling, refilling) last ran, and on which daemon.

Several daemons on one PostgreSQL database share these jobs: the one that takes a job's turn reads and
writes its row, so the job runs once per interval whichever daemon runs it (``scheduler/daemon/singleton.py``).
A new table only: nothing existing changes, and the downgrade drops it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ran_by", sa.String, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_run")
