"""crawlers: official reply, change signature and update time on posts; post_metric time series

Revision ID: 0003
Revises: 0002
"""

from yuqing.migrations._ddl import Table, add_columns, create_tables, drop_columns, drop_tables

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

POST_COLUMNS = """
    reply_text       text   null
    reply_at         utc    null
    crawl_signature  str64  null
    updated_at       utc    null
"""

TABLES = (
    Table("post_metric", """
        id        int    pk
        post_id   int    -> post.id
        at        utc
        likes     int
        reposts   int
        comments  int
        views     int
    """, indexes="post_id"),
    # site watch: the baseline fingerprint of each watched page
    Table("site_baseline", """
        id           int    pk
        source_id    int    -> source.id
        url          text
        fingerprint  json   null
        checked_at   utc
    """, indexes="source_id", unique=("source_id", "url"), unique_name="uq_site_baseline_source_url"),
)


def upgrade() -> None:
    add_columns("post", POST_COLUMNS)
    create_tables(TABLES)


def downgrade() -> None:
    drop_tables(TABLES)
    drop_columns("post", POST_COLUMNS)
