"""dashboard: posts by source and fetch time, so the overview counts a day's or a source's posts
from the index alone

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_post_source_fetched", "post", ["source_id", "fetched_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_post_source_fetched", table_name="post")
