"""The overview board's aggregates: today's counters, volume by day and topic, counts by field and
topic spikes. Every one aggregates in SQL (the board must stay fast with a million posts) and checks
the viewer here, not only in the page."""

from __future__ import annotations

import math
from bisect import bisect_right
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
    IssuePlaceDay,
    IssueStatus,
    IssueVolumeHour,
    Post,
    PostVolumeHour,
    Source,
)
from yuqing.repo.access import Viewer, _require_overview
from yuqing.repo.compliance import next_deadline, next_deadline_between, overdue_clause

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
    if field == "jurisdiction":  # from the hourly counts: the street grid of 90 days reads no issue
        places = _issue_places(session, since)
        return sorted(((place or "未知", n) for place, n in places.items()), key=lambda row: -row[1])
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


HOUR, DAY = 3600, 86400


Pieces = list[tuple[datetime, datetime]]


def _buckets(since: datetime, until: datetime | None, size: int) -> tuple[int, int | None, Pieces]:
    """The whole UTC buckets of `size` seconds [first, last) inside [since, until) (until None: open-ended)
    and the uneven pieces before the first and after the last, cut at local midnights, which are
    counted on the rows themselves."""
    first = math.ceil(since.timestamp() / size)  # not int(): 10:00:00.5 must not count the hour from 10:00
    last = None if until is None else max(first, int(until.timestamp()) // size)
    edge = lambda bucket: datetime.fromtimestamp(bucket * size, UTC)  # noqa: E731
    if last is None:
        ends = [(since, edge(first))]
    elif first == last:
        ends = [(since, until)]
    else:
        ends = [(since, edge(first)), (edge(last), until)]
    return first, last, [(start, end) for piece in ends for _, start, end in _day_edges(*piece)]


def _in(column, first: int, last: int | None) -> tuple:
    return (column >= first,) if last is None else (column >= first, column < last)


def _post_counts(session: Session, since: datetime, until: datetime) -> tuple[dict[float, int], dict[int, int]]:
    """Posts fetched in [since, until), by bucket start in hours since 1970 (whole UTC hours, or the
    uneven pieces at the two ends, cut at local midnights) and by source id (0: none). The whole hours
    come from post_volume_hour (kept by triggers as posts are written: a few hundred rows for a month);
    only the minutes before the first and after the last whole hour are counted on the posts'
    (source_id, fetched_at) index."""
    first, last, pieces = _buckets(since, until, HOUR)
    by_start: dict[float, int] = {}
    by_source: dict[int, int] = {}
    if first < last:
        in_hours = _in(PostVolumeHour.hour, first, last)
        for hour, n in session.exec(select(PostVolumeHour.hour, func.sum(PostVolumeHour.posts))
                                    .where(*in_hours).group_by(PostVolumeHour.hour)).all():
            if n:
                by_start[hour] = int(n)
        for source_id, n in session.exec(select(PostVolumeHour.source_id, func.sum(PostVolumeHour.posts))
                                         .where(*in_hours).group_by(PostVolumeHour.source_id)).all():
            by_source[source_id] = by_source.get(source_id, 0) + int(n)
    for start, end in pieces:
        for source_id, n in session.exec(select(Post.source_id, func.count()).where(
                Post.fetched_at >= start, Post.fetched_at < end).group_by(Post.source_id)).all():
            key = start.timestamp() / HOUR
            by_start[key] = by_start.get(key, 0) + int(n)
            by_source[source_id or 0] = by_source.get(source_id or 0, 0) + int(n)
    return by_start, by_source


def _issue_hours(session: Session, since: datetime, until: datetime | None) -> dict[float, tuple[int, int, int, int]]:
    """Issues first seen in [since, until) (until None: since then), not merged, as (issues, negative,
    1级/2级, waiting for triage and open) by bucket start in hours since 1970: whole UTC hours from
    issue_volume_hour (kept by triggers, migration 0013: its rules are these), the minutes at the two
    ends (cut at local midnights) counted on the issues' period index."""
    first, last, pieces = _buckets(since, until, HOUR)
    counts: dict[float, tuple[int, int, int, int]] = {}
    if last is None or first < last:
        hours = IssueVolumeHour
        for hour, *values in session.exec(select(hours.hour, hours.issues, hours.negative, hours.urgent, hours.triage)
                                          .where(*_in(hours.hour, first, last), hours.issues > 0)).all():
            counts[hour] = tuple(values)
    figures = (func.count(), func.coalesce(func.sum(case((Issue.sentiment == "negative", 1), else_=0)), 0),
               func.coalesce(func.sum(case((Issue.urgency <= 2, 1), else_=0)), 0),
               func.coalesce(func.sum(case(((Issue.needs_triage == True)  # noqa: E712
                                            & col(Issue.status).in_(OPEN_ISSUE_STATUSES), 1), else_=0)), 0))
    for start, end in pieces:
        values = session.exec(select(*figures).where(
            Issue.first_seen_at >= start, Issue.first_seen_at < end, NOT_MERGED)).one()
        if values[0]:
            counts[start.timestamp() / HOUR] = tuple(int(v) for v in values)
    return counts


def _by_local_day(counts: dict[float, object]) -> dict[str, list]:
    """Values keyed by bucket start in hours since 1970, listed by the local day each bucket starts in
    (a whole hour lies in one local day in zones whose offset is whole hours). Found by bisecting the
    range's local midnights: a formatted date per hour cost most of a 90-day board."""
    if not counts:
        return {}
    edges = _day_edges(datetime.fromtimestamp(min(counts) * HOUR, UTC),
                       datetime.fromtimestamp(max(counts) * HOUR + 1, UTC))
    bounds = [start.timestamp() / HOUR for _, start, _ in edges]
    days: dict[str, list] = {}
    for start, value in counts.items():
        days.setdefault(edges[bisect_right(bounds, start) - 1][0], []).append(value)
    return days


def _issue_places(session: Session, since: datetime) -> dict[str, int]:
    """Issues first seen since `since`, not merged, by place code ('' for none): whole UTC days from
    issue_place_day (kept by the same triggers), the hours before the first whole day on the issues."""
    first, _, pieces = _buckets(since, None, DAY)
    places: dict[str, int] = {}
    rows = session.exec(select(IssuePlaceDay.place, func.sum(IssuePlaceDay.issues)).where(IssuePlaceDay.day >= first)
                        .group_by(IssuePlaceDay.place)).all()
    place = func.coalesce(Issue.jurisdiction, "")
    for start, end in pieces:
        rows += session.exec(select(place, func.count()).where(Issue.first_seen_at >= start, Issue.first_seen_at < end,
                                                              NOT_MERGED).group_by(place)).all()
    for name, n in rows:
        places[name] = places.get(name, 0) + int(n)
    return {name: n for name, n in places.items() if n}


def post_volume(session: Session, *, viewer: Viewer, since: datetime, until: datetime) -> dict:
    """Posts fetched in [since, until): per local day, per source (kind, name) and in all, from the
    hourly counts (`_post_counts`): 90 days of a million posts without reading a post. A whole hour is
    counted on the local day it starts in (exact for zones whose offset is whole hours)."""
    _require_overview(viewer)
    by_start, counts = _post_counts(session, since, until)
    by_day = {day: sum(values) for day, values in _by_local_day(by_start).items()}
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
    issues = negative = urgent = triage = 0
    for n, neg, urg, tri in _issue_hours(session, since, until).values():
        issues, negative, urgent, triage = issues + n, negative + neg, urgent + urg, triage + tri
    overdue = session.exec(select(func.count()).select_from(Assignment).where(
        Assignment.created_at >= since, Assignment.created_at < until, overdue_clause(moment))).one()
    return {"posts": int(posts), "issues": int(issues), "negative": int(negative),
            "negative_share": int(negative) / int(issues) if issues else None, "urgent": int(urgent),
            "triage": int(triage), "overdue": int(overdue)}


def issue_days(session: Session, *, viewer: Viewer, since: datetime) -> list[tuple[str, int, int]]:
    """(local day, issues first seen, negative ones) since `since`: the negative-share trend."""
    _require_overview(viewer)
    by_day = _by_local_day(_issue_hours(session, since, None))
    return [(day, sum(v[0] for v in values), sum(v[1] for v in values)) for day, values in sorted(by_day.items())]


def hot_issues(session: Session, *, viewer: Viewer, since: datetime, limit: int = 10) -> list[Issue]:
    """The hottest issues active since `since` (still open or answered, not merged or dismissed)."""
    _require_overview(viewer)
    return list(session.exec(select(Issue).where(Issue.last_seen_at >= since, col(Issue.status).in_(OPEN_ISSUE_STATUSES))
                             .order_by(col(Issue.heat).desc(), col(Issue.id).desc()).limit(limit)).all())


def attention_items(session: Session, *, viewer: Viewer, at: datetime | None = None, within_hours: int = 24,
                    limit: int = 30) -> list[dict]:
    """Open 1级/2级 issues and issues with an open assignment whose next deadline falls within
    `within_hours` (not yet passed: the overdue list has those), each as its id, title, urgency, status
    and heat with that deadline (`next_due`) and the units; soonest deadline first, then the most urgent.
    Plain rows, not Issue objects: the board shows these five columns of at most 2 × `limit` issues."""
    _require_overview(viewer)
    moment = at or now()
    due = next_deadline()
    shown = (Issue.id, Issue.title, Issue.urgency, Issue.status, Issue.heat)
    urgent = session.exec(select(*shown).where(col(Issue.status).in_(OPEN_ISSUE_STATUSES), Issue.urgency <= 2)
                          .order_by(Issue.urgency, col(Issue.heat).desc()).limit(limit)).all()
    soonest: dict[int, datetime] = {}  # the `limit` soonest of each window hold the `limit` soonest of all
    for window in next_deadline_between(moment, moment + timedelta(hours=within_hours)):
        for issue_id, deadline in session.exec(select(Assignment.issue_id, func.min(due)).where(window)
                                               .group_by(Assignment.issue_id).order_by(func.min(due)).limit(limit)):
            soonest[issue_id] = min(deadline, soonest.get(issue_id, deadline))
    near = sorted(soonest, key=lambda issue_id: (soonest[issue_id], issue_id))[:limit]
    issues = {row[0]: row for row in urgent}
    missing = [i for i in near if i not in issues]
    if missing:
        issues.update({row[0]: row for row in session.exec(select(*shown).where(col(Issue.id).in_(missing))).all()})
    deadlines: dict[int, list] = {}
    for issue_id, unit, deadline in session.exec(select(Assignment.issue_id, Assignment.unit_code, due).where(
            col(Assignment.status).in_(OPEN_ASSIGNMENT_STATUSES), col(Assignment.issue_id).in_(list(issues)))).all():
        if deadline is not None:
            deadline = deadline if deadline.tzinfo else deadline.replace(tzinfo=UTC)
            deadlines.setdefault(issue_id, []).append((deadline, unit))
    items = []
    for issue_id, title, urgency, status, heat in issues.values():
        pending = sorted(deadlines.get(issue_id, []), key=lambda pair: pair[0])
        items.append({"id": issue_id, "title": title, "urgency": urgency, "status": status, "heat": heat,
                      "next_due": pending[0][0] if pending else None, "units": [u for _, u in pending]})
    far = moment + timedelta(days=3650)
    return sorted(items, key=lambda item: (item["next_due"] or far, item["urgency"], -item["heat"]))
