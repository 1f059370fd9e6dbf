"""Every query of the product, in one module. Functions take the session first and keyword-only
arguments after it; access rules (who may see what) are applied here, not only in the pages.

Sections: viewers & access · units · sources · posts · analyses · issues · assignments · events ·
notifications · users · model versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
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
    Source,
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
    existing = session.exec(
        select(Analysis).where(Analysis.post_id == post.id, Analysis.model_version == analysis.model_version)
    ).first()
    if existing is None:
        analysis.post_id = post.id
        session.add(analysis)
        existing = analysis
    post.analyzed_at = now()
    session.add(post)
    session.flush()
    return existing


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


def get_assignment(session: Session, *, viewer: Viewer, assignment_id: int, for_update: bool = False) -> Assignment:
    statement = select(Assignment).where(Assignment.id == assignment_id)
    if for_update:
        statement = statement.with_for_update()
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
