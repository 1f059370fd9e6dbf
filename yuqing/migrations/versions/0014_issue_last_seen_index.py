"""dashboard: issues by last seen (last_seen_at, id): the issue pickers' 300 most recently seen issues read
from the newest end of an index instead of sorting every issue

Revision ID: 0014
Revises: 0013
"""

from yuqing.migrations._ddl import create_indexes, drop_indexes

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

INDEXES = "ix_issue_last_seen: last_seen_at id"


def upgrade() -> None:
    create_indexes("issue", INDEXES)


def downgrade() -> None:
    drop_indexes("issue", INDEXES)
