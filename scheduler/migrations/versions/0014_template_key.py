"""Which template worded a post: a nullable ``template_key`` on queue entries and publications.

Before this, every post a campaign template worded was recorded with ``variant_id`` NULL and nothing else, so
rotation restarted the templates after such a post, and learning, ``stats`` and the report counted all of a
campaign's templates as one wording. The key is a short hash of the template's text
(:func:`scheduler.planning.variants.template_key`), so reordering the templates in config.yaml keeps it.
Rows written before stay NULL: their template is not known, and they keep counting as "templates".

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = ("queue_entry", "publication")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("template_key", sa.String, nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("template_key")
