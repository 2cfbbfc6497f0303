"""The daemon registry: which daemons run, since when, and whether their heartbeat still comes.

``evertide status`` lists them, ``queue share-now`` asks whether one is live on PostgreSQL (SQLite has its lock
file), and several daemons on one PostgreSQL database can tell a dead owner's claims from a live one's. A new
table only: nothing existing changes, and the downgrade drops it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _utc(name: str, *, nullable: bool = True) -> "sa.Column[datetime]":
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "daemon",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("host", sa.String, nullable=False),
        _utc("started_at", nullable=False),
        _utc("heartbeat_at", nullable=False),
        sa.Column("in_flight", sa.Integer, nullable=False),
        _utc("stopped_at"),
    )


def downgrade() -> None:
    op.drop_table("daemon")
