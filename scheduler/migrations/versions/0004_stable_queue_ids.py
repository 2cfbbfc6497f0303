"""Queue entry ids are never handed out again.

``0003`` made ``queue_entry.id`` a plain SQLite rowid: when the newest entries were deleted (a refill replacing
them), the next ones got their ids, so `queue skip 80` typed from a listing a few minutes old could skip another
post. SQLite gets ``AUTOINCREMENT`` (a table rebuild in batch mode: every row is copied with its id, and SQLite's
counter starts from the highest one). PostgreSQL's serial column already never went back, but becomes an
identity column that refuses explicit ids, starting after both the highest id and the old sequence.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        # Batch mode copies every row with its id into the new table; inserting them sets SQLite's counter
        # (sqlite_sequence) to the highest one, and the rename carries it over.
        with op.batch_alter_table("queue_entry", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass
        return
    sequence = connection.execute(sa.text("SELECT pg_get_serial_sequence('queue_entry', 'id')")).scalar_one()
    high = connection.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM queue_entry")).scalar_one()
    if sequence is not None:
        last, called = connection.execute(sa.text(f"SELECT last_value, is_called FROM {sequence}")).one()
        high = max(high, last if called else last - 1)
        op.alter_column("queue_entry", "id", server_default=None)
        op.execute(f"DROP SEQUENCE {sequence}")
    op.execute(f"ALTER TABLE queue_entry ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (START WITH {high + 1})")
