"""Issues: reading one under the viewer's rules, the pipeline's queues of issues, and the row lock a
status change takes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from yuqing.errors import NotFound
from yuqing.models import OPEN_ISSUE_STATUSES, Issue, IssueStatus, Post
from yuqing.repo.access import Viewer, _restrict_issues


def get_issue(session: Session, *, viewer: Viewer, issue_id: int) -> Issue:
    issue = session.exec(_restrict_issues(select(Issue).where(Issue.id == issue_id), viewer)).first()
    if issue is None:
        raise NotFound(f"事件 #{issue_id} 不存在，或用户 {viewer.username} 无权查看")
    return issue


def open_issues_since(session: Session, *, since: datetime) -> Sequence[Issue]:
    """Candidates for clustering: issues still open and seen within the window."""
    return session.exec(
        select(Issue).where(
            Issue.last_seen_at >= since, col(Issue.status).in_(OPEN_ISSUE_STATUSES)
        )
    ).all()


def issues_to_route(session: Session, *, limit: int = 200) -> Sequence[Issue]:
    return session.exec(
        select(Issue)
        .where(Issue.routed_at == None, Issue.status == IssueStatus.NEW, Issue.needs_triage == False)  # noqa: E711,E712
        .order_by(Issue.id)
        .limit(limit)
    ).all()


def issue_post_stats(session: Session, *, issue_id: int) -> dict[str, int]:
    posts, sources, engagement = session.exec(
        select(
            func.count(Post.id),
            func.count(func.distinct(Post.source_id)),
            func.coalesce(func.sum(Post.likes + Post.reposts + Post.comments), 0),
        ).where(Post.issue_id == issue_id)
    ).one()
    return {"posts": posts, "sources": sources, "engagement": int(engagement)}


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
        raise NotFound(f"事件 #{issue_id} 不存在")
    return issue
