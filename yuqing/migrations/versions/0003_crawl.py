"""crawlers: official reply, change signature and update time on posts; post_metric time series

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import sqlmodel

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("post") as batch:
        batch.add_column(sa.Column("reply_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reply_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("crawl_signature", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.add_column(sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_table(
        "post_metric",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("reposts", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("post_metric") as batch:
        batch.create_index(batch.f("ix_post_metric_post_id"), ["post_id"], unique=False)
    # site watch: the baseline fingerprint of each watched page
    op.create_table(
        "site_baseline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.JSON(), nullable=True),
        sa.Column("checked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "url", name="uq_site_baseline_source_url"),
    )
    with op.batch_alter_table("site_baseline") as batch:
        batch.create_index(batch.f("ix_site_baseline_source_id"), ["source_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("site_baseline") as batch:
        batch.drop_index(batch.f("ix_site_baseline_source_id"))
    op.drop_table("site_baseline")
    with op.batch_alter_table("post_metric") as batch:
        batch.drop_index(batch.f("ix_post_metric_post_id"))
    op.drop_table("post_metric")
    with op.batch_alter_table("post") as batch:
        for column in ("updated_at", "crawl_signature", "reply_at", "reply_text"):
            batch.drop_column(column)
