"""dashboard: posts counted per hour and source as they are written (post_volume_hour, kept by
triggers), so the overview reads a few hundred rows instead of counting a million index entries;
indexes for the overview's hot issues (heat), triage queue of a period, and overdue count of a
period's assignments, each answered from the index alone

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from yuqing.migrations._ddl import create_row_triggers, drop_row_triggers

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# the hour of a post: whole hours since 1970 (UTC); posts without a source count under source 0
SQLITE_HOUR = "CAST(strftime('%s', {row}.fetched_at) AS INTEGER) / 3600"
SQLITE_TRIGGERS = [
    """CREATE TRIGGER post_volume_insert AFTER INSERT ON post BEGIN
        INSERT INTO post_volume_hour (hour, source_id, posts) VALUES ({new}, COALESCE(NEW.source_id, 0), 1)
        ON CONFLICT (hour, source_id) DO UPDATE SET posts = posts + 1;
    END""",
    """CREATE TRIGGER post_volume_delete AFTER DELETE ON post BEGIN
        UPDATE post_volume_hour SET posts = posts - 1 WHERE hour = {old} AND source_id = COALESCE(OLD.source_id, 0);
    END""",
    """CREATE TRIGGER post_volume_update AFTER UPDATE OF fetched_at, source_id ON post BEGIN
        UPDATE post_volume_hour SET posts = posts - 1 WHERE hour = {old} AND source_id = COALESCE(OLD.source_id, 0);
        INSERT INTO post_volume_hour (hour, source_id, posts) VALUES ({new}, COALESCE(NEW.source_id, 0), 1)
        ON CONFLICT (hour, source_id) DO UPDATE SET posts = posts + 1;
    END""",
]
POSTGRES_HOUR = "floor(extract(epoch FROM {row}.fetched_at) / 3600)::integer"
POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION yuqing_post_volume() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE post_volume_hour SET posts = posts - 1 WHERE hour = {old} AND source_id = COALESCE(OLD.source_id, 0);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO post_volume_hour (hour, source_id, posts) VALUES ({new}, COALESCE(NEW.source_id, 0), 1)
        ON CONFLICT (hour, source_id) DO UPDATE SET posts = post_volume_hour.posts + 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "post_volume_hour",
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "source_id"),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    hour = POSTGRES_HOUR if postgres else SQLITE_HOUR
    op.execute(f"INSERT INTO post_volume_hour (hour, source_id, posts) SELECT {hour.format(row='post')}, "
               f"COALESCE(source_id, 0), count(*) FROM post GROUP BY 1, 2")
    new, old = hour.format(row="NEW"), hour.format(row="OLD")
    create_row_triggers("post_volume", table="post", when="AFTER INSERT OR DELETE OR UPDATE OF fetched_at, source_id",
                        postgres_function=POSTGRES_FUNCTION.format(new=new, old=old),
                        sqlite=[trigger.format(new=new, old=old) for trigger in SQLITE_TRIGGERS])
    op.create_index("ix_issue_heat", "issue", ["heat", "id"], unique=False)
    op.create_index("ix_issue_triage_period", "issue", ["needs_triage", "status", "first_seen_at"], unique=False)
    op.create_index("ix_assignment_created_overdue", "assignment",
                    ["created_at", "status", "acknowledged_at", "ack_due", "response_due", "press_due"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_assignment_created_overdue", table_name="assignment")
    op.drop_index("ix_issue_triage_period", table_name="issue")
    op.drop_index("ix_issue_heat", table_name="issue")
    drop_row_triggers("post", "post_volume")
    op.drop_table("post_volume_hour")
