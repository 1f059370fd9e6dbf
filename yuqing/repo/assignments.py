"""Assignments (交办): reading them under the viewer's rules. Their statuses change only through
yuqing.lifecycle."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from yuqing.errors import AccessDenied, NotFound
from yuqing.models import OPEN_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus, Issue
from yuqing.repo.access import Viewer
from yuqing.repo.compliance import next_deadline
from yuqing.repo.issues import get_issue, lock_for_update


def assignments_of_issue(session: Session, *, viewer: Viewer, issue_id: int) -> Sequence[Assignment]:
    get_issue(session, viewer=viewer, issue_id=issue_id)
    statement = select(Assignment).where(Assignment.issue_id == issue_id)
    if viewer.role == "unit":  # a unit reads only its own part of the work on an issue
        statement = statement.where(Assignment.unit_code == viewer.unit_code)
    return session.exec(statement.order_by(col(Assignment.role).desc(), Assignment.id)).all()


def get_assignment(session: Session, *, viewer: Viewer, assignment_id: int, for_update: bool = False) -> Assignment:
    statement = select(Assignment).where(Assignment.id == assignment_id)
    if for_update:
        lock_for_update(session)
        # the locked read must win over a copy this session loaded before the lock
        statement = statement.with_for_update(key_share=True).execution_options(populate_existing=True)
    assignment = session.exec(statement).first()
    if assignment is None:
        raise NotFound(f"交办 #{assignment_id} 不存在")
    if not viewer.sees_everything and not (viewer.role == "unit" and viewer.unit_code == assignment.unit_code):
        raise AccessDenied(f"用户 {viewer.username} 无权查看交办 #{assignment_id}")
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
        raise AccessDenied(f"用户 {viewer.username} 无权查看交办清单")
    if unit_code:
        statement = statement.where(Assignment.unit_code == unit_code)
    if status:
        statement = statement.where(col(Assignment.status).in_(status))
    statement = statement.order_by(col(Assignment.response_due).asc().nulls_last(), Assignment.id)
    return session.exec(statement.limit(limit)).all()


def existing_assignment(session: Session, *, issue_id: int, unit_code: str) -> Assignment | None:
    return session.exec(
        select(Assignment).where(Assignment.issue_id == issue_id, Assignment.unit_code == unit_code)
    ).first()


def returned_units(session: Session, *, issue_id: int) -> set[str]:
    returned = Assignment.status == AssignmentStatus.RETURNED
    return set(session.exec(select(Assignment.unit_code).where(Assignment.issue_id == issue_id, returned)).all())


def unit_inbox(session: Session, *, viewer: Viewer, unit_code: str | None = None,
               status: Sequence[str] | None = None, limit: int = 100, offset: int = 0
               ) -> tuple[list[tuple[Assignment, Issue]], int]:
    """A unit's assignments with their issues: the open ones first, soonest next deadline first (an
    unsigned 1级 item due for 签收 in 21 minutes before an answer due in 2 hours), then the rest.
    A unit user always gets its own unit's, whatever `unit_code` says; others must name a unit."""
    if viewer.role == "unit":
        unit_code = viewer.unit_code
    elif not viewer.sees_everything:
        raise AccessDenied(f"用户 {viewer.username} 无权查看收件箱")
    if not unit_code:
        return [], 0
    # counted and ordered on the unit's assignments alone (every one has its issue; their unit index holds
    # the status and deadlines), and only the page's rows joined to their issues: joining and sorting the
    # unit's thousands of assignments with their issues first cost most of the inbox's query time
    wanted = select(Assignment.id).where(Assignment.unit_code == unit_code)
    if status:
        wanted = wanted.where(col(Assignment.status).in_(status))
    total = session.exec(select(func.count()).select_from(wanted.subquery())).one()
    still_open = case((col(Assignment.status).in_(OPEN_ASSIGNMENT_STATUSES), 0), else_=1)
    ids = list(session.exec(wanted.order_by(still_open, next_deadline().asc().nulls_last(), Assignment.id)
                            .offset(offset).limit(limit)).all())
    if not ids:
        return [], int(total)
    rows = {a.id: (a, i) for a, i in session.exec(select(Assignment, Issue).join(Issue, Issue.id == Assignment.issue_id)
                                                   .where(col(Assignment.id).in_(ids))).all()}
    return [rows[i] for i in ids if i in rows], int(total)
