"""search: which issues the search index has not seen since they changed, read from an index alone
(search_indexed_at, updated_at): the issue list asks on every render and found none by reading every issue

Revision ID: 0013
Revises: 0012
"""

from yuqing.migrations._ddl import create_indexes, drop_indexes

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

INDEXES = "ix_issue_search_stale: search_indexed_at updated_at"


def upgrade() -> None:
    create_indexes("issue", INDEXES)


def downgrade() -> None:
    drop_indexes("issue", INDEXES)
