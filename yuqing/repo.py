"""Every query of the product, in one module. Functions take the session first and keyword-only
arguments after it; access rules (who may see what) are applied here, not only in the pages.

Sections: viewers & access · units · sources · posts · analyses · issues · assignments · events ·
notifications · users · model versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from yuqing.clock import now
from yuqing.errors import AccessDenied, NotFound
from yuqing.models import (
    Analysis,
    Assignment,
    Event,
    Issue,
    ModelVersion,
    Notification,
    Post,
    PostMetric,
    SiteBaseline,
    Source,
    StageLease,
    Unit,
    User,
)

# ---------------------------------------------------------------- viewers & access


@dataclass(frozen=True)
class Viewer:
    """Who is asking. Flows act as ``Viewer.system(name)``; dashboard users as their role and unit."""

    username: str
    role: str
    unit_code: str | None = None

    @classmethod
    def system(cls, name: str) -> Viewer:
        return cls(username=f"flow:{name}", role="system")

    @property
    def sees_everything(self) -> bool:
        return self.role in ("analyst", "supervisor", "admin", "system")

    @property
    def may_edit_issues(self) -> bool:
        return self.role in ("analyst", "admin", "system")


def _visible_issue_ids_for_unit(unit_code: str):
    return select(Assignment.issue_id).where(Assignment.unit_code == unit_code)


def _restrict_issues(statement, viewer: Viewer):
    if viewer.sees_everything:
        return statement
    if viewer.role == "unit" and viewer.unit_code:
        return statement.where(col(Issue.id).in_(_visible_issue_ids_for_unit(viewer.unit_code)))
    return statement.where(False)  # an unknown role sees nothing rather than everything


# ---------------------------------------------------------------- units


def sync_units(session: Session, *, units: Iterable) -> int:
    """Insert or update the profile's units (UnitSpec objects); returns how many were written."""
    count = 0
    existing = {u.code: u for u in session.exec(select(Unit)).all()}
    for spec in units:
        row = existing.get(spec.code) or Unit(code=spec.code, name=spec.name, kind=spec.kind)
        row.name, row.kind, row.parent_code = spec.name, spec.kind, spec.parent
        row.jurisdiction, row.topics, row.contacts = list(spec.jurisdiction), list(spec.topics), dict(spec.contacts)
        row.added, row.active = spec.added, spec.active
        session.add(row)
        count += 1
    session.flush()
    return count


def list_units(session: Session, *, active_only: bool = True) -> Sequence[Unit]:
    statement = select(Unit).order_by(Unit.kind, Unit.code)
    if active_only:
        statement = statement.where(Unit.active == True)  # noqa: E712
    return session.exec(statement).all()


def unit_names(session: Session) -> dict[str, str]:
    return {code: name for code, name in session.exec(select(Unit.code, Unit.name)).all()}


# ---------------------------------------------------------------- sources


def upsert_source(
    session: Session, *, name: str, kind: str, url: str, owner_unit: str | None = None, config: dict | None = None,
    enabled: bool = True,
) -> Source:
    source = session.exec(select(Source).where(Source.name == name)).first()
    if source is None:
        source = Source(name=name, kind=kind, url=url)
    source.kind, source.url, source.owner_unit, source.config, source.enabled = kind, url, owner_unit, config, enabled
    session.add(source)
    session.flush()
    return source


def get_source(session: Session, *, name: str) -> Source:
    source = session.exec(select(Source).where(Source.name == name)).first()
    if source is None:
        raise NotFound(f"no source named {name!r}")
    return source


def list_sources(session: Session) -> Sequence[Source]:
    return session.exec(select(Source).order_by(Source.name)).all()


def site_watch_source_ids(session: Session) -> set[int]:
    return set(session.exec(select(Source.id).where(Source.kind == "site_watch")).all())


def site_owner_of_issue(session: Session, *, issue_id: int) -> str | None:
    """The owner unit of the district website whose site watch found this issue, if any."""
    statement = (select(Source.owner_unit).join(Post, col(Post.source_id) == col(Source.id))
                 .where(Post.issue_id == issue_id, Source.kind == "site_watch", col(Source.owner_unit).is_not(None))
                 .order_by(Post.id).limit(1))
    return session.exec(statement).first()


def record_source_run(session: Session, *, name: str, items: int, error: str | None = None) -> Source:
    """Update a source's health after a crawl: success resets the failure count, an error raises it."""
    source = get_source(session, name=name)
    moment = now()
    source.last_run_at = moment
    source.last_items = items
    source.total_items += items
    if error:
        source.last_error, source.last_error_at = error[:2000], moment
        source.consecutive_failures += 1
    else:
        source.last_ok_at = moment
        source.consecutive_failures = 0
    session.add(source)
    session.flush()
    return source


def source_health(session: Session, *, at: datetime | None = None) -> list[dict]:
    """One row per source for the dashboard and the health alerts: last run/success/error, failures in a
    row, items of the last run and in total, hours since the last new item, and its alert thresholds."""
    at = at or now()
    last_new = dict(session.exec(select(Post.source_id, func.max(Post.fetched_at)).group_by(Post.source_id)).all())
    rows = []
    for source in list_sources(session):
        newest = last_new.get(source.id)
        if newest is not None and newest.tzinfo is None:
            newest = newest.replace(tzinfo=at.tzinfo)
        config = source.config or {}
        rows.append({
            "name": source.name, "kind": source.kind, "url": source.url, "owner_unit": source.owner_unit,
            "enabled": source.enabled, "last_run_at": source.last_run_at, "last_ok_at": source.last_ok_at,
            "last_error_at": source.last_error_at, "last_error": source.last_error,
            "consecutive_failures": source.consecutive_failures, "last_items": source.last_items,
            "total_items": source.total_items, "last_new_post_at": newest,
            "hours_since_new_post": None if newest is None else round((at - newest).total_seconds() / 3600, 1),
            "silent_after_hours": float(config.get("silent_after_hours", 48)),
            "max_failures": int(config.get("max_failures", 3)),
        })
    return rows


# ---------------------------------------------------------------- posts


def post_exists(session: Session, *, url: str) -> bool:
    return session.exec(select(Post.id).where(Post.url == url)).first() is not None


def known_post_urls(session: Session, *, urls: Iterable[str]) -> set[str]:
    urls = list(urls)
    if not urls:
        return set()
    return set(session.exec(select(Post.url).where(col(Post.url).in_(urls))).all())


def post_by_content_hash(session: Session, *, content_hash: str) -> Post | None:
    return session.exec(select(Post).where(Post.content_hash == content_hash).order_by(Post.id)).first()


def add_post(session: Session, *, post: Post) -> Post | None:
    """Store a post unless its canonical URL is already known; returns None for a known URL."""
    if post_exists(session, url=post.url):
        return None
    session.add(post)
    session.flush()
    return post


def known_posts(session: Session, *, urls: Iterable[str]) -> dict[str, tuple[int, str | None]]:
    """canonical url → (post id, crawl signature) for the urls already stored (incremental crawls)."""
    urls = list(urls)
    if not urls:
        return {}
    rows = session.exec(select(Post.url, Post.id, Post.crawl_signature).where(col(Post.url).in_(urls))).all()
    return {url: (post_id, signature) for url, post_id, signature in rows}


def insert_crawled_posts(session: Session, *, rows: list[dict]) -> dict[str, int]:
    """Insert a batch of new posts (dicts of Post columns) in one statement; url → new id. A URL that
    is already stored (another crawler was faster) is skipped by the unique URL, not an error."""
    if not rows:
        return {}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - other databases: one row at a time behind a savepoint
        return _insert_posts_one_by_one(session, rows)
    statement = dialect_insert(Post).on_conflict_do_nothing(index_elements=["url"]).returning(Post.url, Post.id)
    return {url: post_id for url, post_id in session.execute(statement, rows).all()}


def _insert_posts_one_by_one(session: Session, rows: list[dict]) -> dict[str, int]:
    from sqlalchemy.exc import IntegrityError

    ids = {}
    for row in rows:
        post = Post(**row)
        try:
            with session.begin_nested():
                session.add(post)
        except IntegrityError:
            continue
        ids[post.url] = post.id
    return ids


def add_post_metrics(session: Session, *, rows: list[dict]) -> None:
    """Engagement points (post_id, likes, reposts, comments, views[, at]) in one statement."""
    if rows:
        from sqlalchemy import insert

        moment = now()
        session.execute(insert(PostMetric), [{"at": moment, **row} for row in rows])


def first_posts_with_content(session: Session, *, content_hashes: Iterable[str]) -> dict[str, tuple[int, int | None, int | None]]:
    """content hash → (id, source id, duplicate_of_id) of the first post with it, for the hashes stored."""
    hashes = list(set(content_hashes))
    if not hashes:
        return {}
    rows = session.execute(
        select(Post.content_hash, Post.id, Post.source_id, Post.duplicate_of_id)
        .where(col(Post.content_hash).in_(hashes)).order_by(Post.id)
    ).all()
    first: dict[str, tuple[int, int | None, int | None]] = {}
    for content_hash, post_id, source_id, duplicate_of in rows:
        first.setdefault(content_hash, (post_id, source_id, duplicate_of))
    return first


def recent_simhashes(session: Session, *, since: datetime, limit: int = 200_000) -> list[tuple[int, str, int | None]]:
    """(id, simhash, duplicate_of_id) of posts fetched since `since`, oldest first (near-duplicate index)."""
    return [tuple(row) for row in session.exec(
        select(Post.id, Post.simhash, Post.duplicate_of_id)
        .where(Post.fetched_at >= since, Post.simhash != None)  # noqa: E711
        .order_by(Post.id).limit(limit)
    ).all()]


def update_crawled_post(
    session: Session, *, post_id: int, signature: str | None, likes: int, reposts: int, comments: int, views: int,
    reply_text: str | None, reply_at: datetime | None,
) -> bool:
    """A re-crawl saw a known post again: keep its engagement (with a PostMetric point when it changed),
    its reply and signature current. Returns whether anything changed."""
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"post {post_id} does not exist")
    metrics = (likes, reposts, comments, views)
    metrics_changed = metrics != (post.likes, post.reposts, post.comments, post.views)
    changed = metrics_changed or signature != post.crawl_signature or (reply_text or None) != post.reply_text
    if not changed:
        return False
    if metrics_changed:
        session.add(PostMetric(post_id=post_id, likes=likes, reposts=reposts, comments=comments, views=views))
    post.likes, post.reposts, post.comments, post.views = metrics
    post.crawl_signature = signature
    if reply_text:
        post.reply_text, post.reply_at = reply_text, reply_at
    post.updated_at = now()
    session.add(post)
    session.flush()
    return True


def post_metrics(session: Session, *, post_id: int) -> Sequence[PostMetric]:
    return session.exec(select(PostMetric).where(PostMetric.post_id == post_id).order_by(PostMetric.at, PostMetric.id)).all()


def posts_to_analyze(session: Session, *, limit: int = 500) -> Sequence[Post]:
    return session.exec(
        select(Post).where(Post.analyzed_at == None).order_by(Post.id).limit(limit)  # noqa: E711
    ).all()


def count_posts_to_analyze(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Post).where(Post.analyzed_at == None)).one()  # noqa: E711


def posts_to_cluster(session: Session, *, limit: int = 500) -> Sequence[tuple[Post, Analysis]]:
    statement = (
        select(Post, Analysis)
        .join(Analysis, Analysis.post_id == Post.id)
        .where(Post.analyzed_at != None, Post.clustered_at == None)  # noqa: E711
        .order_by(Post.published_at, Post.id)
        .limit(limit)
    )
    return session.exec(statement).all()


def count_posts(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Post)).one()


def posts_of_issue(session: Session, *, viewer: Viewer, issue_id: int) -> Sequence[Post]:
    get_issue(session, viewer=viewer, issue_id=issue_id)  # access check
    return session.exec(select(Post).where(Post.issue_id == issue_id).order_by(Post.published_at, Post.id)).all()


# ---------------------------------------------------------------- analyses


def save_analysis(session: Session, *, post: Post, analysis: Analysis) -> Analysis:
    """Idempotent per (post, model version): a re-run replaces nothing and duplicates nothing."""
    return save_analyses(session, pairs=[(post, analysis)])[0]


def save_analyses(session: Session, *, pairs: Sequence[tuple[Post, Analysis]]) -> list[Analysis]:
    """Batch form of save_analysis: one query for what exists and one flush for the whole batch,
    instead of a round trip per post (the analyse stage's database cost at scale)."""
    if not pairs:
        return []
    versions = {analysis.model_version for _, analysis in pairs}
    existing = {
        (row.post_id, row.model_version): row
        for row in session.exec(
            select(Analysis).where(
                col(Analysis.post_id).in_([post.id for post, _ in pairs]), col(Analysis.model_version).in_(versions)
            )
        ).all()
    }
    moment = now()
    saved = []
    for post, analysis in pairs:
        kept = existing.get((post.id, analysis.model_version))
        if kept is None:
            analysis.post_id = post.id
            session.add(analysis)
            kept = existing[(post.id, analysis.model_version)] = analysis
        post.analyzed_at = moment
        session.add(post)
        saved.append(kept)
    session.flush()
    return saved


def latest_analysis(session: Session, *, post_id: int) -> Analysis | None:
    return session.exec(
        select(Analysis).where(Analysis.post_id == post_id).order_by(col(Analysis.id).desc())
    ).first()


# ---------------------------------------------------------------- issues


def get_issue(session: Session, *, viewer: Viewer, issue_id: int) -> Issue:
    issue = session.exec(_restrict_issues(select(Issue).where(Issue.id == issue_id), viewer)).first()
    if issue is None:
        raise NotFound(f"issue {issue_id} does not exist or is not visible to {viewer.username}")
    return issue


def open_issues_since(session: Session, *, since: datetime) -> Sequence[Issue]:
    """Candidates for clustering: issues still open and seen within the window."""
    return session.exec(
        select(Issue).where(
            Issue.last_seen_at >= since, col(Issue.status).not_in(("dismissed", "merged", "closed"))
        )
    ).all()


def issues_to_route(session: Session, *, limit: int = 200) -> Sequence[Issue]:
    return session.exec(
        select(Issue)
        .where(Issue.routed_at == None, Issue.status == "new", Issue.needs_triage == False)  # noqa: E711,E712
        .order_by(Issue.id)
        .limit(limit)
    ).all()


def list_issues(
    session: Session,
    *,
    viewer: Viewer,
    status: Sequence[str] | None = None,
    urgency: Sequence[int] | None = None,
    topic: str | None = None,
    unit_code: str | None = None,
    needs_triage: bool | None = None,
    search: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> Sequence[Issue]:
    statement = _restrict_issues(select(Issue), viewer)
    if status:
        statement = statement.where(col(Issue.status).in_(status))
    if urgency:
        statement = statement.where(col(Issue.urgency).in_(urgency))
    if topic:
        statement = statement.where(Issue.topic == topic)
    if unit_code:
        statement = statement.where(col(Issue.id).in_(_visible_issue_ids_for_unit(unit_code)))
    if needs_triage is not None:
        statement = statement.where(Issue.needs_triage == needs_triage)
    if search:
        pattern = f"%{search}%"
        statement = statement.where(or_(col(Issue.title).like(pattern), col(Issue.summary).like(pattern)))
    statement = statement.order_by(col(Issue.urgency), col(Issue.heat).desc(), col(Issue.id).desc())
    return session.exec(statement.offset(offset).limit(limit)).all()


def issue_post_stats(session: Session, *, issue_id: int) -> dict[str, int]:
    posts, sources, engagement = session.exec(
        select(
            func.count(Post.id),
            func.count(func.distinct(Post.source_id)),
            func.coalesce(func.sum(Post.likes + Post.reposts + Post.comments), 0),
        ).where(Post.issue_id == issue_id)
    ).one()
    return {"posts": posts, "sources": sources, "engagement": int(engagement)}


def count_issues(session: Session, *, viewer: Viewer) -> int:
    return session.exec(_restrict_issues(select(func.count()).select_from(Issue), viewer)).one()


# ---------------------------------------------------------------- assignments


def assignments_of_issue(session: Session, *, viewer: Viewer, issue_id: int) -> Sequence[Assignment]:
    get_issue(session, viewer=viewer, issue_id=issue_id)
    return session.exec(
        select(Assignment).where(Assignment.issue_id == issue_id).order_by(col(Assignment.role).desc(), Assignment.id)
    ).all()


def lock_for_update(session: Session) -> None:
    """Before a read-modify-write: on SQLite, which has no row locks, take the database's write lock
    (BEGIN IMMEDIATE) before reading, so a second process waits and then reads the committed state
    instead of both changing the same row; on PostgreSQL SELECT ... FOR UPDATE does this per row."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    # pysqlite opens a transaction only at the first write, and that transaction already holds the lock
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def lock_issue(session: Session, *, issue_id: int) -> Issue:
    """The issue row, locked until commit: a change that reads its sibling assignments to decide the
    issue's status must not race another such change (each would see the other still working)."""
    lock_for_update(session)
    # FOR NO KEY UPDATE: an audit event inserted by another transaction holds KEY SHARE on the issue
    # (its foreign key), which a plain FOR UPDATE would wait for, and deadlock
    issue = session.exec(
        select(Issue).where(Issue.id == issue_id).with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).first()
    if issue is None:
        raise NotFound(f"issue {issue_id} does not exist")
    return issue


def get_assignment(session: Session, *, viewer: Viewer, assignment_id: int, for_update: bool = False) -> Assignment:
    statement = select(Assignment).where(Assignment.id == assignment_id)
    if for_update:
        lock_for_update(session)
        # the locked read must win over a copy this session loaded before the lock
        statement = statement.with_for_update(key_share=True).execution_options(populate_existing=True)
    assignment = session.exec(statement).first()
    if assignment is None:
        raise NotFound(f"assignment {assignment_id} does not exist")
    if not viewer.sees_everything and not (viewer.role == "unit" and viewer.unit_code == assignment.unit_code):
        raise AccessDenied(f"{viewer.username} may not see assignment {assignment_id}")
    return assignment


def list_assignments(
    session: Session,
    *,
    viewer: Viewer,
    unit_code: str | None = None,
    status: Sequence[str] | None = None,
    limit: int = 500,
) -> Sequence[Assignment]:
    statement = select(Assignment)
    if viewer.role == "unit":
        statement = statement.where(Assignment.unit_code == viewer.unit_code)
    elif not viewer.sees_everything:
        raise AccessDenied(f"{viewer.username} may not list assignments")
    if unit_code:
        statement = statement.where(Assignment.unit_code == unit_code)
    if status:
        statement = statement.where(col(Assignment.status).in_(status))
    statement = statement.order_by(col(Assignment.response_due).asc().nulls_last(), Assignment.id)
    return session.exec(statement.limit(limit)).all()


def unit_compliance(session: Session, *, viewer: Viewer, since: datetime | None = None,
                    until: datetime | None = None, at: datetime | None = None) -> list:
    """Per-unit compliance over assignments created in [since, until), judged at time `at` (default now);
    for supervisors, analysts and admins only."""
    from yuqing.compliance import compute_compliance

    if not viewer.sees_everything:
        raise AccessDenied(f"{viewer.username} may not read other units' compliance")
    statement = select(Assignment)
    escalations = select(Event.unit_code, func.count()).where(Event.kind == "escalated")
    if since:
        statement = statement.where(Assignment.created_at >= since)
        escalations = escalations.where(Event.at >= since)
    if until:
        statement = statement.where(Assignment.created_at < until)
        escalations = escalations.where(Event.at < until)
    counts = dict(session.exec(escalations.group_by(Event.unit_code)).all())
    return compute_compliance(session.exec(statement).all(), at=at or now(), escalations=counts)


def overdue_assignments(session: Session, *, viewer: Viewer, at: datetime | None = None) -> list[Assignment]:
    from yuqing.compliance import OPEN, is_overdue

    moment = at or now()
    rows = list_assignments(session, viewer=viewer, status=OPEN, limit=100_000)
    return [a for a in rows if is_overdue(a, moment)]


def existing_assignment(session: Session, *, issue_id: int, unit_code: str) -> Assignment | None:
    return session.exec(
        select(Assignment).where(Assignment.issue_id == issue_id, Assignment.unit_code == unit_code)
    ).first()


def returned_units(session: Session, *, issue_id: int) -> set[str]:
    return set(
        session.exec(
            select(Assignment.unit_code).where(Assignment.issue_id == issue_id, Assignment.status == "returned")
        ).all()
    )


# ---------------------------------------------------------------- events (append-only)


def record_event(
    session: Session,
    *,
    actor: str,
    kind: str,
    issue_id: int | None = None,
    assignment_id: int | None = None,
    unit_code: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str | None = None,
    data: dict | None = None,
    at: datetime | None = None,
    dedupe_key: str | None = None,
) -> Event:
    event = Event(
        actor=actor, kind=kind, issue_id=issue_id, assignment_id=assignment_id, unit_code=unit_code,
        from_state=from_state, to_state=to_state, note=note, data=data, at=at or now(), dedupe_key=dedupe_key,
    )
    session.add(event)
    session.flush()
    return event


def event_key_used(session: Session, *, dedupe_key: str) -> bool:
    return session.exec(select(Event.id).where(Event.dedupe_key == dedupe_key)).first() is not None


def timeline(session: Session, *, viewer: Viewer, issue_id: int) -> Sequence[Event]:
    get_issue(session, viewer=viewer, issue_id=issue_id)
    statement = select(Event).where(Event.issue_id == issue_id)
    if viewer.role == "unit":
        # a unit sees the issue-level events and those of its own assignment, not other units' work
        statement = statement.where(or_(Event.unit_code == None, Event.unit_code == viewer.unit_code))  # noqa: E711
    return session.exec(statement.order_by(Event.at, Event.id)).all()


# ---------------------------------------------------------------- notifications (outbox)


def enqueue_notification(
    session: Session,
    *,
    channel: str,
    target: str,
    subject: str,
    body: str,
    dedupe_key: str,
    issue_id: int | None = None,
    assignment_id: int | None = None,
) -> Notification | None:
    """Queue a message once: a second call with the same dedupe key is a no-op (returns None)."""
    if session.exec(select(Notification.id).where(Notification.dedupe_key == dedupe_key)).first() is not None:
        return None
    notification = Notification(
        channel=channel, target=target, subject=subject, body=body, dedupe_key=dedupe_key,
        issue_id=issue_id, assignment_id=assignment_id,
    )
    session.add(notification)
    session.flush()
    return notification


def local_claimants(session: Session, *, at: datetime) -> list[str]:
    """Workers that hold an unexpired lease on some notification right now."""
    return list(session.exec(
        select(Notification.claimed_by).where(Notification.status == "sending", Notification.claimed_until >= at,
                                              Notification.claimed_by != None).distinct()  # noqa: E711
    ).all())


def release_claims_of(session: Session, *, worker: str, at: datetime) -> int:
    """A worker known to be dead: its claimed rows become due again at once (it may have sent some;
    at-least-once, the receiver drops the repeat by dedupe key)."""
    result = session.execute(
        update(Notification).where(Notification.status == "sending", Notification.claimed_by == worker)
        .values(status="failed", claimed_by=None, claimed_until=None, next_attempt_at=at)
    )
    return result.rowcount


def list_notifications(session: Session, *, status: Sequence[str] | None = None, limit: int = 200) -> Sequence[Notification]:
    statement = select(Notification)
    if status:
        statement = statement.where(col(Notification.status).in_(status))
    return session.exec(statement.order_by(col(Notification.id).desc()).limit(limit)).all()


# ---------------------------------------------------------------- users


def get_user(session: Session, *, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def list_users(session: Session) -> Sequence[User]:
    return session.exec(select(User).order_by(User.role, User.username)).all()


def save_user(session: Session, *, user: User) -> User:
    session.add(user)
    session.flush()
    return user


# ---------------------------------------------------------------- model versions


def register_model_version(
    session: Session, *, kind: str, version: str, data_hash: str, metrics: dict, path: str
) -> ModelVersion:
    row = session.exec(
        select(ModelVersion).where(ModelVersion.kind == kind, ModelVersion.version == version)
    ).first()
    if row is None:
        row = ModelVersion(kind=kind, version=version, data_hash=data_hash, metrics=metrics, path=path)
    for other in session.exec(select(ModelVersion).where(ModelVersion.kind == kind)).all():
        other.active = other is row
        session.add(other)
    row.active = True
    session.add(row)
    session.flush()
    return row


def list_model_versions(session: Session) -> Sequence[ModelVersion]:
    return session.exec(select(ModelVersion).order_by(ModelVersion.kind, col(ModelVersion.created_at).desc())).all()


# ---------------------------------------------------------------- stage leases (flows)


def acquire_stage_lease(session: Session, *, name: str, holder: str, until: datetime, at: datetime,
                        take_over: str | None = None) -> bool:
    """Hold stage `name` until `until` unless another holder's lease is still running; `take_over`
    names a holder known to be dead whose lease may be taken at once. One conditional UPDATE, so two
    workers asking at the same moment never both get it."""
    from sqlalchemy.exc import IntegrityError

    if session.get(StageLease, name) is None:
        try:
            with session.begin_nested():
                session.add(StageLease(name=name))
        except IntegrityError:
            pass  # another worker created the row first
    free = or_(StageLease.holder == None, StageLease.lease_until < at, StageLease.holder == holder)  # noqa: E711
    if take_over:
        free = or_(free, StageLease.holder == take_over)
    result = session.execute(
        update(StageLease).where(StageLease.name == name, free)
        .values(holder=holder, lease_until=until, last_started_at=at)
    )
    return result.rowcount == 1


def stage_holder(session: Session, *, name: str) -> str | None:
    row = session.get(StageLease, name)
    return row.holder if row is not None else None


def renew_stage_lease(session: Session, *, name: str, holder: str, until: datetime) -> bool:
    result = session.execute(
        update(StageLease).where(StageLease.name == name, StageLease.holder == holder).values(lease_until=until)
    )
    return result.rowcount == 1


def release_stage_lease(session: Session, *, name: str, holder: str, at: datetime, summary: str | None) -> None:
    """Give the stage back; with a summary the run counts as a success."""
    values: dict = {"holder": None, "lease_until": None}
    if summary is not None:
        values.update(last_success_at=at, last_summary=summary[:2000])
    session.execute(update(StageLease).where(StageLease.name == name, StageLease.holder == holder).values(**values))


def list_stage_leases(session: Session) -> Sequence[StageLease]:
    return session.exec(select(StageLease).order_by(StageLease.name)).all()


# ---------------------------------------------------------------- dashboard
# Queries behind the Streamlit board. Every one aggregates, pages or limits in SQL (the board must
# stay fast with a million posts) and checks the viewer here, not only in the page.

OPEN_ISSUE_STATUSES = ("new", "triaged", "assigned", "responded")
OPEN_ASSIGNMENT_STATUSES = ("notified", "acknowledged", "responding")


def _require_overview(viewer: Viewer) -> None:
    if not viewer.sees_everything:
        raise AccessDenied(f"{viewer.username} ({viewer.role}) may not read the district-wide overview")


def _local_day(session: Session, column):
    """The local calendar day of a UTC timestamp column, as SQL, for grouping by day."""
    from yuqing.clock import local_zone

    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(str(local_zone()), column), "YYYY-MM-DD")
    offset = now().astimezone(local_zone()).utcoffset()
    return func.strftime("%Y-%m-%d", column, f"{int(offset.total_seconds() // 60):+d} minutes")


def _overdue_clause(moment: datetime):
    """SQL twin of yuqing.compliance.is_overdue (the two are tested to agree)."""
    return (col(Assignment.status).in_(OPEN_ASSIGNMENT_STATUSES)) & or_(
        (Assignment.ack_due != None) & (Assignment.acknowledged_at == None) & (Assignment.ack_due < moment),  # noqa: E711
        func.coalesce(Assignment.response_due, Assignment.press_due) < moment,
    )


def _restrict_assignments(statement, viewer: Viewer):
    if viewer.sees_everything:
        return statement
    if viewer.role == "unit" and viewer.unit_code:
        return statement.where(Assignment.unit_code == viewer.unit_code)
    return statement.where(False)


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
    overdue = session.exec(select(func.count()).select_from(Assignment).where(_overdue_clause(moment))).one()
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
        .where(Issue.first_seen_at >= since, Issue.status != "merged")
        .group_by(day, topic).order_by(day)
    ).all()
    return [(d, t, int(n), int(p)) for d, t, n, p in rows]


def issue_counts_by(session: Session, *, viewer: Viewer, field: str, since: datetime) -> list[tuple[str, int]]:
    """Issues since `since` grouped by jurisdiction, sentiment, topic or status."""
    _require_overview(viewer)
    column = {"jurisdiction": Issue.jurisdiction, "sentiment": Issue.sentiment, "topic": Issue.topic,
              "status": Issue.status}.get(field)
    if column is None:
        from yuqing.errors import BadInput

        raise BadInput(f"cannot group issues by {field!r}")
    label = func.coalesce(column, "未知")
    rows = session.exec(select(label, func.count()).where(Issue.first_seen_at >= since, Issue.status != "merged")
                        .group_by(label).order_by(func.count().desc())).all()
    return [(str(k), int(n)) for k, n in rows]


def topic_spikes(session: Session, *, viewer: Viewer, at: datetime | None = None, baseline_days: int = 7,
                 min_count: int = 3, factor: float = 2.0) -> list[dict]:
    """Topics whose new issues in the last 24 h are at least `factor` × their daily average over the
    `baseline_days` before (and at least `min_count`): the overview's spike alerts."""
    from datetime import timedelta

    _require_overview(viewer)
    moment = at or now()
    day_ago, base_start = moment - timedelta(hours=24), moment - timedelta(hours=24) - timedelta(days=baseline_days)
    topic = func.coalesce(Issue.topic, "未分类")
    recent = dict(session.exec(select(topic, func.count()).where(
        Issue.first_seen_at >= day_ago, Issue.first_seen_at <= moment, Issue.status != "merged").group_by(topic)).all())
    base = dict(session.exec(select(topic, func.count()).where(
        Issue.first_seen_at >= base_start, Issue.first_seen_at < day_ago, Issue.status != "merged").group_by(topic)).all())
    spikes = []
    for name, count in recent.items():
        average = base.get(name, 0) / baseline_days
        if count >= min_count and count >= factor * max(average, 1e-9):
            spikes.append({"topic": name, "last_24h": int(count), "daily_average": round(average, 2),
                           "ratio": round(count / average, 1) if average else None})
    return sorted(spikes, key=lambda s: -s["last_24h"])


def index_issues_for_search(session: Session, *, limit: int = 5000) -> int:
    """Bring the search index (IssueTerm) up to date for issues new or changed since last indexed;
    returns how many issues were (re)indexed. Cheap when nothing changed: one indexed query."""
    from sqlalchemy import delete, insert

    from yuqing.models import IssueTerm
    from yuqing.search import search_terms

    stale = session.exec(
        select(Issue.id, Issue.title, Issue.summary)
        .where(or_(Issue.search_indexed_at == None, Issue.search_indexed_at < Issue.updated_at))  # noqa: E711
        .order_by(Issue.id).limit(limit)
    ).all()
    if not stale:
        return 0
    ids = [row[0] for row in stale]
    session.execute(delete(IssueTerm).where(col(IssueTerm.issue_id).in_(ids)))
    rows = [{"term": term, "issue_id": issue_id} for issue_id, title, summary in stale
            for term in search_terms(f"{title}\n{summary[:200]}")]
    if rows:  # Core insert: no ORM bookkeeping for thousands of tiny rows
        session.connection().execute(insert(IssueTerm.__table__), rows)
    from sqlalchemy import update

    session.execute(update(Issue).where(col(Issue.id).in_(ids)).values(search_indexed_at=now()))
    session.flush()
    return len(ids)


def search_issues(
    session: Session,
    *,
    viewer: Viewer,
    query: str | None = None,
    status: Sequence[str] | None = None,
    urgency: Sequence[int] | None = None,
    topic: str | None = None,
    jurisdiction: str | None = None,
    needs_triage: bool | None = None,
    since: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Issue], int]:
    """One page of issues matching the filters and the Chinese full-text query, and the total count.
    Every query term must match (jieba terms of title and summary)."""
    from yuqing.models import IssueTerm
    from yuqing.search import query_terms

    statement = _restrict_issues(select(Issue), viewer)
    if query and query.strip():
        terms = query_terms(query)
        if not terms:
            return [], 0
        for term in terms[:8]:
            statement = statement.where(col(Issue.id).in_(select(IssueTerm.issue_id).where(IssueTerm.term == term)))
    if status:
        statement = statement.where(col(Issue.status).in_(status))
    if urgency:
        statement = statement.where(col(Issue.urgency).in_(urgency))
    if topic:
        statement = statement.where(Issue.topic == topic)
    if jurisdiction:
        statement = statement.where(Issue.jurisdiction == jurisdiction)
    if needs_triage is not None:
        statement = statement.where(Issue.needs_triage == needs_triage)
    if since:
        statement = statement.where(Issue.last_seen_at >= since)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    statement = statement.order_by(col(Issue.urgency), col(Issue.heat).desc(), col(Issue.id).desc())
    return list(session.exec(statement.offset(max(offset, 0)).limit(min(max(limit, 1), 500))).all()), int(total)


def issue_posts_with_analysis(session: Session, *, viewer: Viewer, issue_id: int, limit: int = 50
                              ) -> list[tuple[Post, str | None, Analysis | None]]:
    """The issue's posts (newest model analysis and source name with each), at most `limit`."""
    get_issue(session, viewer=viewer, issue_id=issue_id)
    posts = session.exec(select(Post, Source.name).join(Source, Source.id == Post.source_id, isouter=True)
                         .where(Post.issue_id == issue_id).order_by(Post.published_at, Post.id).limit(limit)).all()
    ids = [p.id for p, _ in posts]
    latest: dict[int, Analysis] = {}
    if ids:
        for analysis in session.exec(select(Analysis).where(col(Analysis.post_id).in_(ids)).order_by(Analysis.id)).all():
            latest[analysis.post_id] = analysis
    return [(post, source, latest.get(post.id)) for post, source in posts]


def record_label_feedback(session: Session, *, viewer: Viewer, issue_id: int, field: str, old_value,
                          new_value, model_version: str | None, text: str):
    from yuqing.models import LabelFeedback

    if not viewer.may_edit_issues:
        raise AccessDenied(f"{viewer.username} may not correct labels")
    row = LabelFeedback(issue_id=issue_id, field=field, old_value=None if old_value is None else str(old_value)[:100],
                        new_value=str(new_value)[:100], model_version=model_version, text=text[:5000],
                        actor=viewer.username)
    session.add(row)
    session.flush()
    return row


def label_corrections(session: Session, *, field: str) -> list[tuple[str, str]]:
    """(text the model saw, corrected value) of every issue whose `field` an analyst corrected; the
    latest correction of an issue wins (an analyst may correct a correction). For retraining."""
    from yuqing.models import LabelFeedback

    latest: dict[int, tuple[str, str]] = {}
    for row in session.exec(select(LabelFeedback).where(LabelFeedback.field == field).order_by(LabelFeedback.id)):
        latest[row.issue_id] = (row.text, row.new_value)
    return list(latest.values())


def list_label_feedback(session: Session, *, viewer: Viewer, issue_id: int | None = None, limit: int = 200):
    from yuqing.models import LabelFeedback

    _require_overview(viewer)
    statement = select(LabelFeedback)
    if issue_id is not None:
        statement = statement.where(LabelFeedback.issue_id == issue_id)
    return session.exec(statement.order_by(col(LabelFeedback.id).desc()).limit(limit)).all()


def unit_inbox(session: Session, *, viewer: Viewer, unit_code: str | None = None,
               status: Sequence[str] | None = None, limit: int = 100, offset: int = 0
               ) -> tuple[list[tuple[Assignment, Issue]], int]:
    """A unit's assignments with their issues, soonest deadline first. A unit user always gets its own
    unit's, whatever `unit_code` says; others must name a unit."""
    if viewer.role == "unit":
        unit_code = viewer.unit_code
    elif not viewer.sees_everything:
        raise AccessDenied(f"{viewer.username} may not read an inbox")
    if not unit_code:
        return [], 0
    statement = select(Assignment, Issue).join(Issue, Issue.id == Assignment.issue_id).where(
        Assignment.unit_code == unit_code)
    if status:
        statement = statement.where(col(Assignment.status).in_(status))
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    due = func.coalesce(Assignment.response_due, Assignment.press_due)
    statement = statement.order_by(due.asc().nulls_last(), Assignment.id)
    return list(session.exec(statement.offset(offset).limit(limit)).all()), int(total)


def overdue_page(session: Session, *, viewer: Viewer, at: datetime | None = None, unit_code: str | None = None,
                 limit: int = 100, offset: int = 0) -> tuple[list[tuple[Assignment, Issue]], int]:
    """Open assignments past a deadline (sign-for or response), most overdue first; counted in SQL."""
    statement = _restrict_assignments(
        select(Assignment, Issue).join(Issue, Issue.id == Assignment.issue_id).where(_overdue_clause(at or now())),
        viewer)
    if unit_code:
        statement = statement.where(Assignment.unit_code == unit_code)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    due = func.coalesce(Assignment.response_due, Assignment.press_due, Assignment.ack_due)
    return list(session.exec(statement.order_by(due, Assignment.id).offset(offset).limit(limit)).all()), int(total)


def issue_gantt(session: Session, *, viewer: Viewer, issue_id: int, at: datetime | None = None) -> list[dict]:
    """Bars of an issue's timeline, replayed from its audit log: per unit 交办→签收→答复→办结 (or 退回),
    open bars running to `at`. Events the viewer may not see (another unit's) are not used."""
    moment = at or now()
    events = timeline(session, viewer=viewer, issue_id=issue_id)
    stages = {"routed": "待签收", "reassigned": "待签收", "acknowledged": "办理中", "progress": "办理中",
              "responded": "已答复", "closed": "已办结", "returned": "已退回"}
    bars: list[dict] = []
    current: dict[str, dict] = {}
    first = events[0].at if events else None
    if first is not None:
        bars.append({"lane": "事件", "stage": "监测", "start": first, "end": first, "open": False})
    for event in events:
        if not event.unit_code or event.kind not in stages:
            continue
        stage = stages[event.kind]
        bar = current.get(event.unit_code)
        if bar and bar["stage"] == stage:
            continue
        if bar:
            bar["end"], bar["open"] = event.at, False
        if event.kind in ("closed", "returned"):
            bars.append({"lane": event.unit_code, "stage": stage, "start": event.at, "end": event.at, "open": False})
            current.pop(event.unit_code, None)
            continue
        current[event.unit_code] = {"lane": event.unit_code, "stage": stage, "start": event.at, "end": moment,
                                    "open": True}
        bars.append(current[event.unit_code])
    return bars


def dead_letters(session: Session, *, viewer: Viewer, limit: int = 200) -> Sequence[Notification]:
    if viewer.role != "admin":
        raise AccessDenied(f"{viewer.username} may not read the notification queue")
    return list_notifications(session, status=["dead"], limit=limit)


def notification_counts(session: Session, *, viewer: Viewer) -> dict[str, int]:
    if viewer.role not in ("admin", "supervisor"):
        raise AccessDenied(f"{viewer.username} may not read the notification queue")
    return {s: int(n) for s, n in session.exec(select(Notification.status, func.count()).group_by(Notification.status)).all()}


def admin_users(session: Session, *, viewer: Viewer) -> Sequence[User]:
    if viewer.role != "admin":
        raise AccessDenied(f"{viewer.username} may not manage users")
    return list_users(session)


def _hours_between(session: Session, start, end):
    """Hours from `start` to `end` computed by the database (NULL when `end` is NULL)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def compliance_since(session: Session, *, viewer: Viewer, since: datetime | None, until: datetime | None = None,
                     at: datetime | None = None) -> list:
    """Per-unit compliance for the supervisors' page, counted in SQL (the same rules as
    yuqing.compliance, which a test checks): only the medians need rows, and those come as bare
    timestamps of signed/answered assignments, never as ORM objects."""
    from statistics import median

    from sqlalchemy import case

    from yuqing.compliance import DONE, UnitCompliance

    if not viewer.sees_everything:
        raise AccessDenied(f"{viewer.username} may not read other units' compliance")
    moment = at or now()
    due = func.coalesce(Assignment.response_due, Assignment.press_due)
    done = col(Assignment.status).in_(DONE)

    def count_if(condition):
        return func.sum(case((condition, 1), else_=0))

    period = []
    if since:
        period.append(Assignment.created_at >= since)
    if until:
        period.append(Assignment.created_at < until)
    rows = session.exec(
        select(Assignment.unit_code, func.count(), count_if(done),
               count_if(done & ((due == None) | ((Assignment.responded_at != None) & (Assignment.responded_at <= due)))),  # noqa: E711
               count_if(_overdue_clause(moment)), count_if(Assignment.status == "returned"))
        .where(*period).group_by(Assignment.unit_code).order_by(Assignment.unit_code)
    ).all()
    escalations = select(Event.unit_code, func.count()).where(Event.kind == "escalated")
    if since:
        escalations = escalations.where(Event.at >= since)
    if until:
        escalations = escalations.where(Event.at < until)
    escalated = dict(session.exec(escalations.group_by(Event.unit_code)).all())
    sign: dict[str, list[float]] = {}
    respond: dict[str, list[float]] = {}
    to_sign = _hours_between(session, Assignment.created_at, Assignment.acknowledged_at)
    to_respond = _hours_between(session, Assignment.created_at, Assignment.responded_at)
    for unit, sign_hours, respond_hours in session.execute(
        select(Assignment.unit_code, to_sign, to_respond)
        .where(*period, or_(Assignment.acknowledged_at != None, Assignment.responded_at != None))  # noqa: E711
    ):
        if sign_hours is not None:
            sign.setdefault(unit, []).append(float(sign_hours))
        if respond_hours is not None:
            respond.setdefault(unit, []).append(float(respond_hours))
    return [UnitCompliance(
        unit_code=unit, assignments=int(total), done=int(n_done or 0), done_on_time=int(on_time or 0),
        open_overdue=int(overdue or 0), returned=int(returned or 0), escalated=int(escalated.get(unit, 0)),
        median_hours_to_sign=median(sign[unit]) if sign.get(unit) else None,
        median_hours_to_respond=median(respond[unit]) if respond.get(unit) else None,
    ) for unit, total, n_done, on_time, overdue, returned in rows]


# ---------------------------------------------------------------- crawlers: site watch baselines


def site_baseline(session: Session, *, source_id: int, url: str) -> SiteBaseline | None:
    return session.exec(
        select(SiteBaseline).where(SiteBaseline.source_id == source_id, SiteBaseline.url == url)
    ).first()


def save_site_baseline(session: Session, *, source_id: int, url: str, fingerprint: dict) -> SiteBaseline:
    """Set (or roll forward) the clean fingerprint of a watched page."""
    baseline = site_baseline(session, source_id=source_id, url=url)
    if baseline is None:
        baseline = SiteBaseline(source_id=source_id, url=url)
    baseline.fingerprint = dict(fingerprint)
    baseline.checked_at = now()
    session.add(baseline)
    session.flush()
    return baseline
