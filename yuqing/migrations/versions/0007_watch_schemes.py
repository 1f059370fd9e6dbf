"""监测方案 and 预警: watch schemes and their matches, alert rules and alerts, official replies

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("scheme",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column("query", sa.Text(), nullable=False),
    sa.Column("places", sa.JSON(), nullable=True),
    sa.Column("sources", sa.JSON(), nullable=True),
    sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("backfill_cursor", sa.Integer(), nullable=False),
    sa.Column("backfilled_version", sa.Integer(), nullable=False),
    sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("scheme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheme_active"), ["active"], unique=False)
        batch_op.create_index(batch_op.f("ix_scheme_name"), ["name"], unique=True)

    op.create_table("watch_rule",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column("scheme_id", sa.Integer(), nullable=True),
    sa.Column("params", sa.JSON(), nullable=True),
    sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column("units", sa.JSON(), nullable=True),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(["scheme_id"], ["scheme.id"], ),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("watch_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watch_rule_name"), ["name"], unique=True)
        batch_op.create_index(batch_op.f("ix_watch_rule_scheme_id"), ["scheme_id"], unique=False)

    op.create_table("official_reply",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("post_id", sa.Integer(), nullable=False),
    sa.Column("issue_id", sa.Integer(), nullable=True),
    sa.Column("quoted_title", sa.Text(), nullable=True),
    sa.Column("url", sa.Text(), nullable=False),
    sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(["issue_id"], ["issue.id"], ),
    sa.ForeignKeyConstraint(["post_id"], ["post.id"], ),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("post_id")
    )
    with op.batch_alter_table("official_reply", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_official_reply_issue_id"), ["issue_id"], unique=False)

    op.create_table("scheme_match",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("scheme_id", sa.Integer(), nullable=False),
    sa.Column("post_id", sa.Integer(), nullable=False),
    sa.Column("matched_terms", sa.JSON(), nullable=True),
    sa.Column("matched_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(["post_id"], ["post.id"], ),
    sa.ForeignKeyConstraint(["scheme_id"], ["scheme.id"], ),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("scheme_id", "post_id", name="uq_scheme_match_scheme_post")
    )
    with op.batch_alter_table("scheme_match", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheme_match_post_id"), ["post_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scheme_match_scheme_id"), ["scheme_id"], unique=False)

    op.create_table("watch_alert",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("rule_id", sa.Integer(), nullable=False),
    sa.Column("scheme_id", sa.Integer(), nullable=True),
    sa.Column("episode_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column("title", sa.Text(), nullable=False),
    sa.Column("detail", sa.Text(), nullable=False),
    sa.Column("data", sa.JSON(), nullable=True),
    sa.Column("fired_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column("acknowledged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column("acknowledged_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.ForeignKeyConstraint(["rule_id"], ["watch_rule.id"], ),
    sa.ForeignKeyConstraint(["scheme_id"], ["scheme.id"], ),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("episode_key")
    )
    with op.batch_alter_table("watch_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watch_alert_acknowledged_at"), ["acknowledged_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_watch_alert_fired_at"), ["fired_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_watch_alert_rule_id"), ["rule_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("watch_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watch_alert_rule_id"))
        batch_op.drop_index(batch_op.f("ix_watch_alert_fired_at"))
        batch_op.drop_index(batch_op.f("ix_watch_alert_acknowledged_at"))

    op.drop_table("watch_alert")
    with op.batch_alter_table("scheme_match", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheme_match_scheme_id"))
        batch_op.drop_index(batch_op.f("ix_scheme_match_post_id"))

    op.drop_table("scheme_match")
    with op.batch_alter_table("official_reply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_official_reply_issue_id"))

    op.drop_table("official_reply")
    with op.batch_alter_table("watch_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watch_rule_scheme_id"))
        batch_op.drop_index(batch_op.f("ix_watch_rule_name"))

    op.drop_table("watch_rule")
    with op.batch_alter_table("scheme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheme_name"))
        batch_op.drop_index(batch_op.f("ix_scheme_active"))

    op.drop_table("scheme")
