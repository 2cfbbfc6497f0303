"""An index for the planner's candidate reads: active items of a category, best first.

``content_library.candidates.DatabaseCandidates`` pages through it with keyset pagination, so planning reads
only the rows it uses, however large the library is. Every read seeks one priority at a time (equality on
status, category and priority, a range on id; ``MAX(priority) … < ?`` for the next one down), so ascending
order serves "priority DESC, id" as well as a descending column would, and unlike one it survives SQLite's
schema reflection (which drops DESC, making the models-versus-migrations check report a difference).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_item_candidates", "item", ["status", "category", "priority", "id"])


def downgrade() -> None:
    op.drop_index("ix_item_candidates", table_name="item")
