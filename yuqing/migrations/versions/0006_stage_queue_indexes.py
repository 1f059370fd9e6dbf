"""stage queues: partial indexes on the posts still waiting to be analysed and grouped

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain CREATE INDEX on both databases (no table copy, even on SQLite)
    op.create_index("ix_post_to_analyze", "post", ["id"], unique=False,
                    postgresql_where=sa.text("analyzed_at IS NULL"), sqlite_where=sa.text("analyzed_at IS NULL"))
    op.create_index("ix_post_to_cluster", "post", ["published_at", "id"], unique=False,
                    postgresql_where=sa.text("clustered_at IS NULL"), sqlite_where=sa.text("clustered_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_post_to_cluster", table_name="post")
    op.drop_index("ix_post_to_analyze", table_name="post")
