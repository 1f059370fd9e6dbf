"""dashboard: the hourly post counts read from an index alone (hour, source and count): the overview
sums a range of hours by hour and by source without fetching each row of post_volume_hour

Revision ID: 0012
Revises: 0011
"""

from yuqing.migrations._ddl import create_indexes, drop_indexes

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

INDEXES = "ix_post_volume_hour_counts: hour source_id posts"


def upgrade() -> None:
    create_indexes("post_volume_hour", INDEXES)


def downgrade() -> None:
    drop_indexes("post_volume_hour", INDEXES)
