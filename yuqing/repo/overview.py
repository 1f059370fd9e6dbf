"""The overview board's aggregates: today's counters, volume by day and topic, counts by field and
topic spikes. Every one aggregates in SQL (the board must stay fast with a million posts) and checks
the viewer here, not only in the page."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from yuqing.clock import local_zone, now
from yuqing.errors import BadInput
from yuqing.models import OPEN_ISSUE_STATUSES, Assignment, Issue, IssueStatus, Post
from yuqing.repo.access import Viewer, _require_overview
from yuqing.repo.compliance import overdue_clause

NOT_MERGED = Issue.status != IssueStatus.MERGED  # a merged issue is counted in the one it joined


def _local_day(session: Session, column):
    """The local calendar day of a UTC timestamp column, as SQL, for grouping by day."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(str(local_zone()), column), "YYYY-MM-DD")
    offset = now().astimezone(local_zone()).utcoffset()
    return func.strftime("%Y-%m-%d", column, f"{int(offset.total_seconds() // 60):+d} minutes")


def dashboard_overview(session: Session, *, viewer: Viewer, day_start: datetime, day_end: datetime,
                       at: datetime | None = None) -> dict:
    """Counters of the overview: today's posts and issues, open issues by urgency, overdue, triage queue."""
    _require_overview(viewer)
    moment = at or now()
    posts_today = session.exec(select(func.count()).select_from(Post)
                               .where(Post.fetched_at >= day_start, Post.fetched_at < day_end)).one()
    issues_today = session.exec(select(func.count()).select_from(Issue)
                                .where(Issue.first_seen_at >= day_start, Issue.first_seen_at < day_end)).one()
    by_urgency = dict(session.exec(
        select(Issue.urgency, func.count()).where(col(Issue.status).in_(OPEN_ISSUE_STATUSES)).group_by(Issue.urgency)
    ).all())
    overdue = session.exec(select(func.count()).select_from(Assignment).where(overdue_clause(moment))).one()
    triage = session.exec(select(func.count()).select_from(Issue).where(
        Issue.needs_triage == True, col(Issue.status).in_(OPEN_ISSUE_STATUSES))).one()  # noqa: E712
    return {"posts_today": posts_today, "issues_today": issues_today, "overdue": overdue, "triage": triage,
            "open_by_urgency": {level: by_urgency.get(level, 0) for level in (1, 2, 3, 4)}}


def topic_volume_by_day(session: Session, *, viewer: Viewer, since: datetime) -> list[tuple[str, str, int, int]]:
    """(local day, topic, new issues, their posts) for issues first seen since `since`."""
    _require_overview(viewer)
    day = _local_day(session, Issue.first_seen_at)
    # one expression object in SELECT and GROUP BY: two coalesce() calls carry two bind parameters,
    # which PostgreSQL does not see as the same expression (GroupingError; SQLite is lenient)
    topic = func.coalesce(Issue.topic, "未分类")
    rows = session.exec(
        select(day, topic, func.count(), func.coalesce(func.sum(Issue.post_count), 0))
        .where(Issue.first_seen_at >= since, NOT_MERGED)
        .group_by(day, topic).order_by(day)
    ).all()
    return [(d, t, int(n), int(p)) for d, t, n, p in rows]


def issue_counts_by(session: Session, *, viewer: Viewer, field: str, since: datetime) -> list[tuple[str, int]]:
    """Issues since `since` grouped by jurisdiction, sentiment, topic or status."""
    _require_overview(viewer)
    column = {"jurisdiction": Issue.jurisdiction, "sentiment": Issue.sentiment, "topic": Issue.topic,
              "status": Issue.status}.get(field)
    if column is None:
        raise BadInput(f"不能按「{field}」分组统计事件")
    label = func.coalesce(column, "未知")
    rows = session.exec(select(label, func.count()).where(Issue.first_seen_at >= since, NOT_MERGED)
                        .group_by(label).order_by(func.count().desc())).all()
    return [(str(k), int(n)) for k, n in rows]


def topic_spikes(session: Session, *, viewer: Viewer, at: datetime | None = None, baseline_days: int = 7,
                 min_count: int = 3, factor: float = 2.0) -> list[dict]:
    """Topics whose new issues in the last 24 h are at least `factor` × their daily average over the
    `baseline_days` before (and at least `min_count`): the overview's spike alerts."""
    _require_overview(viewer)
    moment = at or now()
    day_ago, base_start = moment - timedelta(hours=24), moment - timedelta(hours=24) - timedelta(days=baseline_days)
    topic = func.coalesce(Issue.topic, "未分类")
    recent = dict(session.exec(select(topic, func.count()).where(
        Issue.first_seen_at >= day_ago, Issue.first_seen_at <= moment, NOT_MERGED).group_by(topic)).all())
    base = dict(session.exec(select(topic, func.count()).where(
        Issue.first_seen_at >= base_start, Issue.first_seen_at < day_ago, NOT_MERGED).group_by(topic)).all())
    spikes = []
    for name, count in recent.items():
        average = base.get(name, 0) / baseline_days
        if count >= min_count and count >= factor * max(average, 1e-9):
            spikes.append({"topic": name, "last_24h": int(count), "daily_average": round(average, 2),
                           "ratio": round(count / average, 1) if average else None})
    return sorted(spikes, key=lambda s: -s["last_24h"])
