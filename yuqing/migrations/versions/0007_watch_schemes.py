"""监测方案 and 预警: watch schemes and their matches, alert rules and alerts, official replies

Revision ID: 0007
Revises: 0006
"""

from yuqing.migrations._ddl import Table, table_revision

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = (
    Table("scheme", """
        id                  int    pk
        name                str100
        query               text
        places              json   null
        sources             json   null
        owner               str100
        active              bool
        version             int
        backfill_cursor     int
        backfilled_version  int
        created_at          utc
        updated_at          utc
    """, indexes="active; name unique"),
    Table("watch_rule", """
        id          int    pk
        name        str100
        kind        str20
        scheme_id   int    null -> scheme.id
        params      json   null
        level       str10
        units       json   null
        active      bool
        owner       str100
        created_at  utc
        updated_at  utc
    """, indexes="name unique; scheme_id"),
    Table("official_reply", """
        id            int    pk
        post_id       int    -> post.id
        issue_id      int    null -> issue.id
        quoted_title  text   null
        url           text
        created_at    utc
    """, indexes="issue_id", unique=("post_id",)),
    Table("scheme_match", """
        id             int    pk
        scheme_id      int    -> scheme.id
        post_id        int    -> post.id
        matched_terms  json   null
        matched_at     utc
    """, indexes="post_id; scheme_id", unique=("scheme_id", "post_id"), unique_name="uq_scheme_match_scheme_post"),
    Table("watch_alert", """
        id               int    pk
        rule_id          int    -> watch_rule.id
        scheme_id        int    null -> scheme.id
        episode_key      str200
        level            str10
        title            text
        detail           text
        data             json   null
        fired_at         utc
        ended_at         utc    null
        acknowledged_at  utc    null
        acknowledged_by  str100 null
    """, indexes="acknowledged_at; fired_at; rule_id", unique=("episode_key",)),
)

upgrade, downgrade = table_revision(TABLES)
