"""dashboard: full-text search index of issues (jieba terms) and analysts' label feedback

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import sqlmodel

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issue") as batch:
        batch.add_column(sa.Column("search_indexed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.create_index("ix_issue_search_indexed_at", ["search_indexed_at"], unique=False)
        batch.create_index("ix_issue_dashboard_period", ["first_seen_at", "status", "topic", "jurisdiction", "sentiment",
                                                         "urgency", "post_count"], unique=False)
    op.create_index("ix_event_kind_at", "event", ["kind", "at"], unique=False)
    op.create_table(
        "issueterm",
        sa.Column("term", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["issue_id"], ["issue.id"]),
        sa.PrimaryKeyConstraint("term", "issue_id"),
    )
    op.create_index("ix_issueterm_issue_id", "issueterm", ["issue_id"], unique=False)
    op.create_table(
        "labelfeedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("old_value", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("new_value", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("model_version", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["issue_id"], ["issue.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_labelfeedback_issue_id", "labelfeedback", ["issue_id"], unique=False)
    op.create_index("ix_labelfeedback_created_at", "labelfeedback", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_labelfeedback_created_at", table_name="labelfeedback")
    op.drop_index("ix_labelfeedback_issue_id", table_name="labelfeedback")
    op.drop_table("labelfeedback")
    op.drop_index("ix_issueterm_issue_id", table_name="issueterm")
    op.drop_table("issueterm")
    op.drop_index("ix_event_kind_at", table_name="event")
    with op.batch_alter_table("issue") as batch:
        batch.drop_index("ix_issue_dashboard_period")
        batch.drop_index("ix_issue_search_indexed_at")
        batch.drop_column("search_indexed_at")
