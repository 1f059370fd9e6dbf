"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 05:36:59.271697
"""

from yuqing.migrations._ddl import Table, table_revision

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

TABLES = (
    Table("issue", """
        id               int    pk
        title            text
        summary          text
        topic            str40  null
        topic_level2     str60  null
        topic_prob       float
        urgency          int
        urgency_signals  json   null
        sentiment        str10  null
        jurisdiction     str50  null
        places           json   null
        keywords         json   null
        simhash          str16  null
        heat             float
        post_count       int
        source_count     int
        first_seen_at    utc
        last_seen_at     utc
        confirmed_at     utc    null
        status           str20
        merged_into_id   int    null -> issue.id
        needs_triage     bool
        triage_reason    text   null
        routed_at        utc    null
        created_at       utc
        updated_at       utc
    """, indexes="first_seen_at; jurisdiction; needs_triage; routed_at; status; status urgency; urgency"),
    Table("modelversion", """
        id          int    pk
        kind        str30
        version     str60
        data_hash   str64
        metrics     json   null
        path        text
        active      bool
        created_at  utc
    """, unique=("kind", "version"), unique_name="uq_modelversion_kind_version"),
    Table("source", """
        id                    int    pk
        name                  str100
        kind                  str30
        url                   text
        owner_unit            str50  null
        config                json   null
        enabled               bool
        last_run_at           utc    null
        last_ok_at            utc    null
        last_error_at         utc    null
        last_error            text   null
        consecutive_failures  int
        last_items            int
        total_items           int
        created_at            utc
    """, indexes="name unique"),
    Table("unit", """
        id            int    pk
        code          str50
        name          str100
        kind          str20
        parent_code   str50  null
        jurisdiction  json   null
        topics        json   null
        contacts      json   null
        added         bool
        active        bool
    """, indexes="code unique"),
    Table("user", """
        id             int    pk
        username       str60
        display_name   str100
        password_hash  str200
        role           str20
        unit_code      str50  null
        failed_logins  int
        locked_until   utc    null
        active         bool
        created_at     utc
        last_login_at  utc    null
    """, indexes="username unique"),
    Table("assignment", """
        id                 int    pk
        issue_id           int    -> issue.id
        unit_code          str50
        role               str10
        rule_id            str60
        reason             text
        level              int
        ack_due            utc    null
        info_due           utc    null
        press_due          utc    null
        response_due       utc    null
        status             str20
        created_at         utc
        acknowledged_at    utc    null
        responded_at       utc    null
        closed_at          utc    null
        returned_at        utc    null
        return_reason      text   null
        response_text      text   null
        response_url       text   null
        response_verified  bool   null
        updated_at         utc
    """, indexes="issue_id; response_due; status; unit_code", unique=("issue_id", "unit_code"), unique_name="uq_assignment_issue_unit"),
    Table("post", """
        id               int    pk
        source_id        int    null -> source.id
        url              text
        external_id      str200 null
        title            text
        text             text
        text_simplified  text   null
        author_hash      str64  null
        published_at     utc    null
        fetched_at       utc
        likes            int
        reposts          int
        comments         int
        views            int
        content_hash     str64
        simhash          str16  null
        spam             bool
        spam_reason      str200 null
        duplicate_of_id  int    null -> post.id
        analyzed_at      utc    null
        clustered_at     utc    null
        issue_id         int    null -> issue.id
    """, indexes="analyzed_at; clustered_at; content_hash; fetched_at; issue_id; published_at; source_id", unique=("url",)),
    Table("analysis", """
        id               int    pk
        post_id          int    -> post.id
        model_version    str60
        topic            str40  null
        topic_prob       float
        topic_level2     str60  null
        relevant         bool
        relevance_score  float
        urgency          int
        urgency_score    float
        urgency_signals  json   null
        sentiment        str10  null
        sentiment_score  float
        places           json   null
        jurisdiction     str50  null
        keywords         json   null
        created_at       utc
    """, indexes="post_id", unique=("post_id", "model_version"), unique_name="uq_analysis_post_version"),
    Table("event", """
        id             int    pk
        issue_id       int    null -> issue.id
        assignment_id  int    null -> assignment.id
        at             utc
        actor          str100
        kind           str20
        from_state     str40  null
        to_state       str40  null
        unit_code      str50  null
        note           text   null
        data           json   null
    """, indexes="assignment_id; at; issue_id"),
    Table("notification", """
        id               int    pk
        channel          str20
        target           text
        subject          text
        body             text
        dedupe_key       str200
        status           str10
        attempts         int
        next_attempt_at  utc
        last_error       text   null
        issue_id         int    null -> issue.id
        assignment_id    int    null -> assignment.id
        created_at       utc
        sent_at          utc    null
    """, indexes="dedupe_key unique; next_attempt_at; status"),
)

upgrade, downgrade = table_revision(TABLES)
