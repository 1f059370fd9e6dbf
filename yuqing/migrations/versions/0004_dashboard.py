"""dashboard: full-text search index of issues (jieba terms) and analysts' label feedback

Revision ID: 0004
Revises: 0003
"""

from yuqing.migrations._ddl import (
    Table,
    add_columns,
    create_indexes,
    create_tables,
    drop_columns,
    drop_indexes,
    drop_tables,
)

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ISSUE_COLUMNS = "search_indexed_at  utc  null"
ISSUE_INDEXES = ("search_indexed_at;"
                 " ix_issue_dashboard_period: first_seen_at status topic jurisdiction sentiment urgency post_count")
EVENT_INDEXES = "kind at"

TABLES = (
    Table("issueterm", """
        term      str60  pk
        issue_id  int    pk -> issue.id
    """, indexes="issue_id"),
    Table("labelfeedback", """
        id             int    pk
        issue_id       int    -> issue.id
        field          str20
        old_value      str100 null
        new_value      str100
        model_version  str60  null
        text           text
        actor          str100
        created_at     utc
    """, indexes="issue_id; created_at"),
)


def upgrade() -> None:
    add_columns("issue", ISSUE_COLUMNS)
    create_indexes("issue", ISSUE_INDEXES)
    create_indexes("event", EVENT_INDEXES)
    create_tables(TABLES)


def downgrade() -> None:
    drop_tables(TABLES)
    drop_indexes("event", EVENT_INDEXES)
    drop_indexes("issue", ISSUE_INDEXES)
    drop_columns("issue", ISSUE_COLUMNS)
