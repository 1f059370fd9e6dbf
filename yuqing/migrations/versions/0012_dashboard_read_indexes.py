"""dashboard and search: three reads from an index alone. The hourly post counts (hour, source and
count): the overview sums a range of hours by hour and by source without fetching each row of
post_volume_hour. The issues the search index has not seen since they changed (search_indexed_at,
updated_at): the issue list asks on every render and found none by reading every issue. Issues by
last seen (last_seen_at, id): the issue pickers' most recently seen issues from the newest end of an
index instead of sorting every issue

Revision ID: 0012
Revises: 0011
"""

from yuqing.migrations._ddl import create_indexes, drop_indexes

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

INDEXES = {
    "post_volume_hour": "ix_post_volume_hour_counts: hour source_id posts",
    "issue": "ix_issue_search_stale: search_indexed_at updated_at; ix_issue_last_seen: last_seen_at id",
}


def upgrade() -> None:
    for table, spec in INDEXES.items():
        create_indexes(table, spec)


def downgrade() -> None:
    for table, spec in reversed(INDEXES.items()):
        drop_indexes(table, spec)
