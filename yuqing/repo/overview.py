"""The overview board's aggregates: today's counters, volume by day and topic, counts by field and
topic spikes. Every one aggregates in SQL (the board must stay fast with a million posts) and checks
the viewer here, not only in the page."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from yuqing.clock import local_zone, now
from yuqing.errors import BadInput
from yuqing.models import (
    OPEN_ASSIGNMENT_STATUSES,
    OPEN_ISSUE_STATUSES,
    Assignment,
    Issue,
    IssueStatus,
    Post,
    PostVolumeHour,
    Source,
)
from yuqing.repo.access import Viewer, _require_overview
from yuqing.repo.compliance import next_deadline, overdue_clause

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


# ---------------------------------------------------------------- the 态势 board of a time range


def _day_edges(since: datetime, until: datetime) -> list[tuple[str, datetime, datetime]]:
    """(local day, start, end) covering [since, until), cut at local midnights."""
    zone = local_zone()
    edges, day = [], since.astimezone(zone).date()
    while True:
        start = max(since, datetime.combine(day, time.min, tzinfo=zone))
        end = min(until, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone))
        if start >= until:
            return edges
        edges.append((f"{day:%Y-%m-%d}", start, end))
        day += timedelta(days=1)


HOUR = 3600


def _post_counts(session: Session, since: datetime, until: datetime) -> tuple[dict[datetime, int], dict[int, int]]:
    """Posts fetched in [since, until), by bucket start (whole UTC hours, or the uneven pieces at the two
    ends, cut at local midnights) and by source id (0: none). The whole hours come from post_volume_hour
    (kept by triggers as posts are written: a few hundred rows for a month); only the minutes before the
    first and after the last whole hour are counted on the posts' (source_id, fetched_at) index."""
    first, last = -(-int(since.timestamp()) // HOUR), int(until.timestamp()) // HOUR
    by_start: dict[datetime, int] = {}
    by_source: dict[int, int] = {}
    pieces = [(since, until)]
    if first < last:
        pieces = [(since, datetime.fromtimestamp(first * HOUR, UTC)), (datetime.fromtimestamp(last * HOUR, UTC), until)]
        in_hours = (PostVolumeHour.hour >= first, PostVolumeHour.hour < last)
        for hour, n in session.exec(select(PostVolumeHour.hour, func.sum(PostVolumeHour.posts))
                                    .where(*in_hours).group_by(PostVolumeHour.hour)).all():
            if n:
                by_start[datetime.fromtimestamp(hour * HOUR, UTC)] = int(n)
        for source_id, n in session.exec(select(PostVolumeHour.source_id, func.sum(PostVolumeHour.posts))
                                         .where(*in_hours).group_by(PostVolumeHour.source_id)).all():
            by_source[source_id] = by_source.get(source_id, 0) + int(n)
    for start, end in pieces:
        for _, piece_start, piece_end in _day_edges(start, end):
            for source_id, n in session.exec(select(Post.source_id, func.count()).where(
                    Post.fetched_at >= piece_start, Post.fetched_at < piece_end).group_by(Post.source_id)).all():
                by_start[piece_start] = by_start.get(piece_start, 0) + int(n)
                by_source[source_id or 0] = by_source.get(source_id or 0, 0) + int(n)
    return by_start, by_source


def post_volume(session: Session, *, viewer: Viewer, since: datetime, until: datetime) -> dict:
    """Posts fetched in [since, until): per local day, per source (kind, name) and in all, from the
    hourly counts (`_post_counts`): 90 days of a million posts without reading a post. A whole hour is
    counted on the local day it starts in (exact for zones whose offset is whole hours)."""
    _require_overview(viewer)
    by_start, counts = _post_counts(session, since, until)
    zone, by_day = local_zone(), {}
    for start, n in by_start.items():
        day = f"{start.astimezone(zone):%Y-%m-%d}"
        by_day[day] = by_day.get(day, 0) + n
    by_source = [(kind, name, counts.pop(source_id, 0))
                 for source_id, kind, name in session.exec(select(Source.id, Source.kind, Source.name)).all()]
    unknown = sum(counts.values())  # no source, or a source since deleted
    if unknown:
        by_source.append(("unknown", "未知来源", unknown))
    return {"total": sum(by_day.values()), "by_day": sorted((d, n) for d, n in by_day.items() if n),
            "by_source": sorted((row for row in by_source if row[2]), key=lambda row: -row[2])}


def period_figures(session: Session, *, viewer: Viewer, since: datetime, until: datetime,
                   at: datetime | None = None, posts: int | None = None) -> dict:
    """The board's figures for one period: posts fetched, issues first seen (not merged), negative ones
    and their share, 1级/2级 ones, those waiting for triage, and assignments made in the period that
    are overdue at `at` (the one overdue rule). Called for the range and the one before it. `posts`:
    the period's post count when the caller has it already (post_volume's total of the same period),
    so the hourly counts are not read twice."""
    _require_overview(viewer)
    moment = at or now()
    if posts is None:
        posts = sum(_post_counts(session, since, until)[1].values())
    in_period = (Issue.first_seen_at >= since, Issue.first_seen_at < until, NOT_MERGED)
    issues, negative, urgent = session.exec(select(
        func.count(), func.coalesce(func.sum(case((Issue.sentiment == "negative", 1), else_=0)), 0),
        func.coalesce(func.sum(case((Issue.urgency <= 2, 1), else_=0)), 0)).where(*in_period)).one()
    triage = session.exec(select(func.count()).select_from(Issue).where(
        *in_period, Issue.needs_triage == True, col(Issue.status).in_(OPEN_ISSUE_STATUSES))).one()  # noqa: E712
    overdue = session.exec(select(func.count()).select_from(Assignment).where(
        Assignment.created_at >= since, Assignment.created_at < until, overdue_clause(moment))).one()
    return {"posts": int(posts), "issues": int(issues), "negative": int(negative),
            "negative_share": int(negative) / int(issues) if issues else None, "urgent": int(urgent),
            "triage": int(triage), "overdue": int(overdue)}


def issue_days(session: Session, *, viewer: Viewer, since: datetime) -> list[tuple[str, int, int]]:
    """(local day, issues first seen, negative ones) since `since`: the negative-share trend."""
    _require_overview(viewer)
    day = _local_day(session, Issue.first_seen_at)
    rows = session.exec(select(day, func.count(), func.coalesce(func.sum(case((Issue.sentiment == "negative", 1),
                                                                                 else_=0)), 0))
                        .where(Issue.first_seen_at >= since, NOT_MERGED).group_by(day).order_by(day)).all()
    return [(str(d), int(n), int(neg)) for d, n, neg in rows]


def hot_issues(session: Session, *, viewer: Viewer, since: datetime, limit: int = 10) -> list[Issue]:
    """The hottest issues active since `since` (still open or answered, not merged or dismissed)."""
    _require_overview(viewer)
    return list(session.exec(select(Issue).where(Issue.last_seen_at >= since, col(Issue.status).in_(OPEN_ISSUE_STATUSES))
                             .order_by(col(Issue.heat).desc(), col(Issue.id).desc()).limit(limit)).all())


def attention_items(session: Session, *, viewer: Viewer, at: datetime | None = None, within_hours: int = 24,
                    limit: int = 30) -> list[dict]:
    """Open 1级/2级 issues and issues with an open assignment whose next deadline falls within
    `within_hours` (not yet passed: the overdue list has those), with that deadline and the units;
    soonest deadline first, then the most urgent."""
    _require_overview(viewer)
    moment = at or now()
    due = next_deadline()
    still_open = col(Assignment.status).in_(OPEN_ASSIGNMENT_STATUSES)
    urgent = session.exec(select(Issue).where(col(Issue.status).in_(OPEN_ISSUE_STATUSES), Issue.urgency <= 2)
                          .order_by(Issue.urgency, col(Issue.heat).desc()).limit(limit)).all()
    near = list(session.exec(
        select(Assignment.issue_id).where(still_open, due >= moment, due < moment + timedelta(hours=within_hours))
        .group_by(Assignment.issue_id).order_by(func.min(due)).limit(limit)).all())
    issues = {i.id: i for i in urgent}
    missing = [i for i in near if i not in issues]
    if missing:
        issues.update({i.id: i for i in session.exec(select(Issue).where(col(Issue.id).in_(missing))).all()})
    deadlines: dict[int, list] = {}
    for issue_id, unit, deadline in session.exec(select(Assignment.issue_id, Assignment.unit_code, due)
                                                 .where(still_open, col(Assignment.issue_id).in_(list(issues)))).all():
        deadlines.setdefault(issue_id, []).append((deadline, unit))
    items = []
    for issue in issues.values():
        pending = sorted(((d if d.tzinfo else d.replace(tzinfo=UTC), u) for d, u in deadlines.get(issue.id, [])
                          if d is not None), key=lambda pair: pair[0])
        items.append({"issue": issue, "next_due": pending[0][0] if pending else None,
                      "units": [u for _, u in pending]})
    far = moment + timedelta(days=3650)
    return sorted(items, key=lambda item: (item["next_due"] or far, item["issue"].urgency, -item["issue"].heat))
