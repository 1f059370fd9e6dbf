"""The data model of DESIGN.md §4, as SQLModel tables (one module for all of them).

Every timestamp is timezone-aware and stored as UTC; `yuqing.clock` converts for people. Issue and
assignment statuses are the str-valued enums below (stored as their plain strings, so a migration is
not needed to add one); yuqing.lifecycle is the only code that changes them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from yuqing.clock import now


class IssueStatus(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    RESPONDED = "responded"
    CLOSED = "closed"
    DISMISSED = "dismissed"
    MERGED = "merged"


class AssignmentStatus(StrEnum):
    NOTIFIED = "notified"  # 待签收
    ACKNOWLEDGED = "acknowledged"  # 已签收
    RESPONDING = "responding"  # 办理中
    RESPONDED = "responded"  # 已答复
    CLOSED = "closed"  # 已办结
    RETURNED = "returned"  # 已退回


# still being worked on: what the board counts as open, what new posts may join, what deadlines watch
OPEN_ISSUE_STATUSES = (IssueStatus.NEW, IssueStatus.TRIAGED, IssueStatus.ASSIGNED, IssueStatus.RESPONDED)
OPEN_ASSIGNMENT_STATUSES = (AssignmentStatus.NOTIFIED, AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.RESPONDING)
# the unit's part is done (compliance counts these as answered)
DONE_ASSIGNMENT_STATUSES = (AssignmentStatus.RESPONDED, AssignmentStatus.CLOSED)

NOTIFICATION_STATUSES = ("queued", "sending", "sent", "failed", "dead")
UNIT_KINDS = ("street", "district", "department", "park", "coordinator", "supervisor")
TERRITORIAL_UNIT_KINDS = ("street", "district", "park")  # 属地 units: they own a piece of land
ROLES = ("analyst", "unit", "supervisor", "admin")
EVENT_KINDS = (
    "created", "analyzed", "triage", "routed", "notified", "acknowledged", "progress", "responded", "verified",
    "closed", "escalated", "reminded", "returned", "reassigned", "edited", "merged", "dismissed", "confirmed", "note",
    "alerted",  # a 预警 fired (no issue; data holds the alert and rule ids)
)


def _json_column() -> Any:
    return Field(default=None, sa_column=Column(JSON))


class Source(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=100)
    kind: str = Field(max_length=30)  # rss, board, article, json_api, site_watch
    url: str = Field(sa_column=Column(Text, nullable=False))
    owner_unit: str | None = Field(default=None, max_length=50)
    config: dict | None = _json_column()
    enabled: bool = True
    last_run_at: datetime | None = None
    last_ok_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    consecutive_failures: int = 0
    last_items: int = 0
    total_items: int = 0
    created_at: datetime = Field(default_factory=now)


class Post(SQLModel, table=True):
    # the stages' queues ("not analysed yet", "not grouped yet") in the order they are worked off: a
    # partial index holds only the waiting rows, so taking the next batch stays instant however many
    # rows are done (a full index walks past every done row: 186 ms a batch at 900,000 done posts)
    __table_args__ = (
        Index("ix_post_to_analyze", "id", postgresql_where=text("analyzed_at IS NULL"),
              sqlite_where=text("analyzed_at IS NULL")),
        Index("ix_post_to_cluster", "published_at", "id", postgresql_where=text("clustered_at IS NULL"),
              sqlite_where=text("clustered_at IS NULL")),
        # the overview counts each source's posts of a period from the index alone (one range a source)
        Index("ix_post_source_fetched", "source_id", "fetched_at"),
        Index("ix_post_issue_published", "issue_id", "published_at", "id"),  # an issue's first posts (0013)
        Index("ix_post_issue_emotion", "issue_id", "emotion", "negative_intensity"),  # an issue's emotion mix (0014)
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int | None = Field(default=None, foreign_key="source.id", index=True)
    url: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    external_id: str | None = Field(default=None, max_length=200)
    title: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    text_simplified: str | None = Field(default=None, sa_column=Column(Text))
    author_hash: str | None = Field(default=None, max_length=64)
    published_at: datetime | None = Field(default=None, index=True)
    fetched_at: datetime = Field(default_factory=now, index=True)
    likes: int = 0
    reposts: int = 0
    comments: int = 0
    views: int = 0
    content_hash: str = Field(index=True, max_length=64)
    simhash: str | None = Field(default=None, max_length=16)
    spam: bool = False
    spam_reason: str | None = Field(default=None, max_length=200)
    duplicate_of_id: int | None = Field(default=None, foreign_key="post.id")
    analyzed_at: datetime | None = Field(default=None, index=True)
    clustered_at: datetime | None = Field(default=None, index=True)
    issue_id: int | None = Field(default=None, foreign_key="issue.id", index=True)
    # its newest analysis's, copied by triggers on analysis (0014); emotion '' if that predates emotions
    emotion: str | None = Field(default=None, max_length=10)
    negative_intensity: float | None = None
    # crawl stage (migration 0003): the official reply when the channel shows one, the list-row
    # signature that tells a re-crawl the post changed, and when the crawler last changed the row
    reply_text: str | None = Field(default=None, sa_column=Column(Text))
    reply_at: datetime | None = None
    crawl_signature: str | None = Field(default=None, max_length=64)
    updated_at: datetime | None = None


class PostVolumeHour(SQLModel, table=True):
    """Posts per hour (whole hours since 1970, UTC, by fetched_at) and source (0: none), kept by database
    triggers on post (migration 0010): the overview's volume figures read these rows, never the posts."""

    __tablename__ = "post_volume_hour"
    # a range of hours summed by hour and by source from the index alone (migration 0012)
    __table_args__ = (Index("ix_post_volume_hour_counts", "hour", "source_id", "posts"),)

    hour: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    source_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    posts: int = 0


class IssueVolumeHour(SQLModel, table=True):
    """Issues (not merged) per hour of first sight with the overview's figures, kept by triggers (0013)."""

    __tablename__ = "issue_volume_hour"
    hour: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    issues: int = 0
    negative: int = 0
    urgent: int = 0  # 1级/2级
    triage: int = 0  # waiting for triage and still open


class IssuePlaceDay(SQLModel, table=True):
    """Issues (not merged) per UTC day of first sight and place ('' for none): the street grid (0013)."""

    __tablename__ = "issue_place_day"
    day: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    place: str = Field(primary_key=True, max_length=50)
    issues: int = 0


class PostMetric(SQLModel, table=True):
    """Engagement of a post each time a crawl saw it change (the time series of likes/reposts/…)."""

    __tablename__ = "post_metric"
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    at: datetime = Field(default_factory=now)
    likes: int = 0
    reposts: int = 0
    comments: int = 0
    views: int = 0


class SiteBaseline(SQLModel, table=True):
    """Site watch: the last clean fingerprint of a watched page (title, SimHash, size, link hosts),
    the baseline a later check is compared with to detect defacement."""

    __tablename__ = "site_baseline"
    __table_args__ = (UniqueConstraint("source_id", "url", name="uq_site_baseline_source_url"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    url: str = Field(sa_column=Column(Text, nullable=False))
    fingerprint: dict | None = _json_column()
    checked_at: datetime = Field(default_factory=now)


class Analysis(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("post_id", "model_version", name="uq_analysis_post_version"),
                      # a post's newest analysis from the index alone (the triggers of migration 0014)
                      Index("ix_analysis_post_emotion", "post_id", "id", "emotion", "negative_intensity"))

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    model_version: str = Field(max_length=60)
    topic: str | None = Field(default=None, max_length=40)
    topic_prob: float = 0.0
    topic_level2: str | None = Field(default=None, max_length=60)
    relevant: bool = True
    relevance_score: float = 1.0
    urgency: int = 3
    urgency_score: float = 0.0
    urgency_signals: list | None = _json_column()
    sentiment: str | None = Field(default=None, max_length=10)
    sentiment_score: float = 0.0
    # migration 0009: the emotion class (angry/fear/sad within negative, happy, neutral; dashboard/labels.py)
    # and the negative intensity (0–1, nlp/sentiment.py NEGATIVE_WEIGHTS); None on analyses saved before
    emotion: str | None = Field(default=None, max_length=10)
    negative_intensity: float | None = None
    places: list | None = _json_column()
    jurisdiction: str | None = Field(default=None, max_length=50)
    keywords: list | None = _json_column()
    created_at: datetime = Field(default_factory=now)


class Issue(SQLModel, table=True):
    __table_args__ = (
        Index("ix_issue_status_urgency", "status", "urgency"),
        # covers the dashboard's per-period aggregates, so they never read the wide title/summary rows
        Index("ix_issue_dashboard_period", "first_seen_at", "status", "topic", "jurisdiction", "sentiment", "urgency",
              "post_count"),
        Index("ix_issue_heat", "heat", "id"),  # the overview's hot issues: the hottest first, no sort
        Index("ix_issue_triage_period", "needs_triage", "status", "first_seen_at"),  # a period's triage queue
        Index("ix_issue_search_stale", "search_indexed_at", "updated_at"),  # not yet searchable (migration 0012)
        Index("ix_issue_last_seen", "last_seen_at", "id"),  # the pickers' most recently seen issues (migration 0012)
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    topic: str | None = Field(default=None, max_length=40)
    topic_level2: str | None = Field(default=None, max_length=60)
    topic_prob: float = 0.0
    urgency: int = Field(default=3, index=True)
    urgency_signals: list | None = _json_column()
    sentiment: str | None = Field(default=None, max_length=10)
    jurisdiction: str | None = Field(default=None, max_length=50, index=True)
    places: list | None = _json_column()
    keywords: list | None = _json_column()
    simhash: str | None = Field(default=None, max_length=16)
    heat: float = 0.0
    post_count: int = 0
    source_count: int = 0
    first_seen_at: datetime = Field(default_factory=now, index=True)
    last_seen_at: datetime = Field(default_factory=now)
    confirmed_at: datetime | None = None
    status: str = Field(default=IssueStatus.NEW.value, max_length=20, index=True)
    merged_into_id: int | None = Field(default=None, foreign_key="issue.id")
    needs_triage: bool = Field(default=False, index=True)
    triage_reason: str | None = Field(default=None, sa_column=Column(Text))
    routed_at: datetime | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)
    # when the dashboard's search index (IssueTerm) last saw this issue; older than updated_at = re-index
    search_indexed_at: datetime | None = Field(default=None, index=True)


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=50)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=20)
    parent_code: str | None = Field(default=None, max_length=50)
    jurisdiction: list | None = _json_column()
    topics: list | None = _json_column()
    contacts: dict | None = _json_column()
    added: bool = False  # not named by the seed plan; added so every topic has an owner
    active: bool = True


class Assignment(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("issue_id", "unit_code", name="uq_assignment_issue_unit"),
        # a period's assignments from an index alone, in period order and in unit order (migration 0011): the
        # overview's overdue count, compliance counts and medians per unit, whichever index the planner takes
        Index("ix_assignment_period", "created_at", "status", "acknowledged_at", "ack_due", "response_due", "press_due",
              "unit_code", "responded_at"),
        Index("ix_assignment_unit_period", "unit_code", "created_at", "status", "acknowledged_at", "responded_at",
              "ack_due", "response_due", "press_due"),
        # the overdue list's count and order from the index alone; a period's overdue count too (migration 0011)
        Index("ix_assignment_open_deadlines", "status", "acknowledged_at", "ack_due", "response_due", "press_due",
              "created_at"),
        # the overview's deadlines within a day; its overdue count of a period's open assignments (0013)
        Index("ix_assignment_open_response", "status", "response_due", "press_due", "acknowledged_at", "ack_due", "issue_id"),
        Index("ix_assignment_open_period", "status", "created_at", "acknowledged_at", "ack_due", "response_due", "press_due"),
        # a unit's median hours: the middle of a period's range in hours order (0016)
        Index("ix_assignment_sign_hours", "unit_code", "hours_to_sign", "created_at"),
        Index("ix_assignment_respond_hours", "unit_code", "hours_to_respond", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", index=True)
    unit_code: str = Field(max_length=50, index=True)
    role: str = Field(default="lead", max_length=10)  # lead | co
    rule_id: str = Field(max_length=60)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    level: int = 3
    ack_due: datetime | None = None
    info_due: datetime | None = None
    press_due: datetime | None = None
    response_due: datetime | None = Field(default=None, index=True)
    status: str = Field(default=AssignmentStatus.NOTIFIED.value, max_length=20, index=True)
    created_at: datetime = Field(default_factory=now)
    acknowledged_at: datetime | None = None
    responded_at: datetime | None = None
    # hours from created_at to acknowledged_at / responded_at, written only by triggers (migration 0015)
    hours_to_sign: float | None = None
    hours_to_respond: float | None = None
    closed_at: datetime | None = None
    returned_at: datetime | None = None
    return_reason: str | None = Field(default=None, sa_column=Column(Text))
    response_text: str | None = Field(default=None, sa_column=Column(Text))
    response_url: str | None = Field(default=None, sa_column=Column(Text))
    response_verified: bool | None = None
    updated_at: datetime = Field(default_factory=now)


class Event(SQLModel, table=True):
    """The append-only audit log: never updated, never deleted."""

    # the dashboard counts escalations (and other kinds) per period without reading every event
    __table_args__ = (Index("ix_event_kind_at", "kind", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int | None = Field(default=None, foreign_key="issue.id", index=True)
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id", index=True)
    at: datetime = Field(default_factory=now, index=True)
    actor: str = Field(max_length=100)  # a username or flow:NAME
    kind: str = Field(max_length=20)
    from_state: str | None = Field(default=None, max_length=40)
    to_state: str | None = Field(default=None, max_length=40)
    unit_code: str | None = Field(default=None, max_length=50)
    note: str | None = Field(default=None, sa_column=Column(Text))
    data: dict | None = _json_column()
    # set for events that must happen once (a reminder, an escalation): a second insert fails
    dedupe_key: str | None = Field(default=None, unique=True, max_length=200)


class Notification(SQLModel, table=True):
    """The outbox: a row per message to deliver; the dedupe key makes enqueueing idempotent."""

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)  # email, wecom, dingtalk, feishu, webhook, sms
    target: str = Field(sa_column=Column(Text, nullable=False))
    subject: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    dedupe_key: str = Field(unique=True, index=True, max_length=200)
    status: str = Field(default="queued", max_length=10, index=True)
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_until: datetime | None = None  # a worker's lease; an expired lease can be claimed again
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=now, index=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    issue_id: int | None = Field(default=None, foreign_key="issue.id")
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id")
    created_at: datetime = Field(default_factory=now)
    sent_at: datetime | None = None


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=60)
    display_name: str = Field(default="", max_length=100)
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=20)
    unit_code: str | None = Field(default=None, max_length=50)
    failed_logins: int = 0
    locked_until: datetime | None = None
    active: bool = True
    created_at: datetime = Field(default_factory=now)
    last_login_at: datetime | None = None


class ModelVersion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("kind", "version", name="uq_modelversion_kind_version"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)
    version: str = Field(max_length=60)
    data_hash: str = Field(max_length=64)
    metrics: dict | None = _json_column()
    path: str = Field(sa_column=Column(Text, nullable=False))
    active: bool = True
    created_at: datetime = Field(default_factory=now)


# ---------------------------------------------------------------- dashboard (search index, analyst feedback)


class IssueTerm(SQLModel, table=True):
    """The full-text index of issues: one row per jieba search token of an issue's title and summary.
    The same table serves SQLite and PostgreSQL, so a search returns the same issues on both."""

    term: str = Field(primary_key=True, max_length=60)
    issue_id: int = Field(primary_key=True, foreign_key="issue.id", index=True)


class LabelFeedback(SQLModel, table=True):
    """An analyst's correction of a model's label (topic, urgency, place): training feedback."""

    id: int | None = Field(default=None, primary_key=True)
    issue_id: int = Field(foreign_key="issue.id", index=True)
    field: str = Field(max_length=20)  # topic | urgency | jurisdiction
    old_value: str | None = Field(default=None, max_length=100)
    new_value: str = Field(max_length=100)
    model_version: str | None = Field(default=None, max_length=60)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # what the model saw
    actor: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=now, index=True)


# ---------------------------------------------------------------- flows (stage leases)


class StageLease(SQLModel, table=True):
    """One row per pipeline stage (analyze, cluster, route): who runs it now and when it last succeeded.

    A stage runs only while its holder has the lease, so two workers started at once never both
    group or route the same rows; a lease left by a killed worker expires (or is taken over at once
    when its process is known dead on this machine)."""

    name: str = Field(primary_key=True, max_length=40)
    holder: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = None
    last_started_at: datetime | None = None
    last_success_at: datetime | None = None
    last_summary: str | None = Field(default=None, sa_column=Column(Text))


# ---------------------------------------------------------------- 监测方案 and 预警 (watch schemes, alert rules)


class Scheme(SQLModel, table=True):
    """An analyst's 监测方案: a saved query (nlp/query.py) matched against every post, relevant or not.

    `version` is bumped by every edit of what the scheme matches; history is back-filled for the
    current version by keyset on post id (`backfill_cursor`, the last post id done), and
    `backfilled_version == version` once it is complete."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=100)
    query: str = Field(sa_column=Column(Text, nullable=False))
    places: list | None = _json_column()  # jurisdiction codes or place names; empty = anywhere
    sources: list | None = _json_column()  # source names; empty = every source
    owner: str = Field(default="", max_length=100)
    active: bool = Field(default=True, index=True)
    version: int = 1
    backfill_cursor: int = 0
    backfilled_version: int = 0
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)


class SchemeMatch(SQLModel, table=True):
    """A post a scheme matched (once: the pair is unique, inserts ignore a repeat)."""

    __tablename__ = "scheme_match"
    __table_args__ = (UniqueConstraint("scheme_id", "post_id", name="uq_scheme_match_scheme_post"),)

    id: int | None = Field(default=None, primary_key=True)
    scheme_id: int = Field(foreign_key="scheme.id", index=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    matched_terms: list | None = _json_column()
    matched_at: datetime = Field(default_factory=now)


class WatchRule(SQLModel, table=True):
    """A 预警 rule, per scheme (scheme_id) or over the whole stream (scheme_id NULL); flows/watch.py
    validates `params` for its kind and evaluates it."""

    __tablename__ = "watch_rule"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=100)
    kind: str = Field(max_length=20)  # volume, surge, negative, terms, reach, author
    scheme_id: int | None = Field(default=None, foreign_key="scheme.id", index=True)
    params: dict | None = _json_column()
    level: str = Field(default="yellow", max_length=10)  # red, orange, yellow
    units: list | None = _json_column()  # unit codes told besides the analysts
    active: bool = True
    owner: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)


class WatchAlert(SQLModel, table=True):
    """A 预警 that fired: one row per episode of a rule (the unique key stops a second worker)."""

    __tablename__ = "watch_alert"
    id: int | None = Field(default=None, primary_key=True)
    rule_id: int = Field(foreign_key="watch_rule.id", index=True)
    scheme_id: int | None = Field(default=None, foreign_key="scheme.id")
    episode_key: str = Field(unique=True, max_length=200)
    level: str = Field(max_length=10)
    title: str = Field(sa_column=Column(Text, nullable=False))
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    data: dict | None = _json_column()
    fired_at: datetime = Field(default_factory=now, index=True)
    ended_at: datetime | None = None  # the condition stopped holding: the next breach is a new episode
    acknowledged_at: datetime | None = Field(default=None, index=True)
    acknowledged_by: str | None = Field(default=None, max_length=100)


class OfficialReply(SQLModel, table=True):
    """A publication of the district's own sites or official accounts: the answer to an issue
    (issue_id set, its published response) or evidence that answers nothing (issue_id NULL)."""

    __tablename__ = "official_reply"
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", unique=True)
    issue_id: int | None = Field(default=None, foreign_key="issue.id", index=True)
    quoted_title: str | None = Field(default=None, sa_column=Column(Text))
    url: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=now)
