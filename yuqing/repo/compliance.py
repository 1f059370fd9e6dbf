"""Per-unit compliance (DESIGN.md §6), counted in SQL for the supervisors' page and the weekly report
alike: on-time rate = done on time ÷ (done + open and already overdue). An open assignment not yet
due counts neither way (it may still be answered on time), so the rate is shown with its basis (how
many assignments it judges) beside the closure rate = done ÷ (assigned − returned): a unit with one
answer and 43 open items reads 按时率 100 % of 1, 办结率 2 %.

"Done" is the unit's part: responded (or closed after it). The deadline that counts is the response
deadline, or for level-1 issues (continuous response) the press-conference deadline. An open
assignment is overdue once its sign-for deadline passed unsigned or its main deadline passed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import case
from sqlalchemy.orm import load_only
from sqlmodel import Session, col, func, or_, select, union_all

from yuqing.clock import now
from yuqing.errors import AccessDenied
from yuqing.models import DONE_ASSIGNMENT_STATUSES, OPEN_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus, Event, Issue
from yuqing.repo.access import Viewer, _restrict_assignments


@dataclass(frozen=True)
class UnitCompliance:
    unit_code: str
    assignments: int
    done: int
    done_on_time: int
    open_overdue: int
    returned: int
    escalated: int
    median_hours_to_sign: float | None
    median_hours_to_respond: float | None

    @property
    def rate_basis(self) -> int:
        """How many assignments the on-time rate judges: the answered ones and the open overdue ones."""
        return self.done + self.open_overdue

    @property
    def on_time_rate(self) -> float | None:
        return self.done_on_time / self.rate_basis if self.rate_basis else None

    @property
    def open_pending(self) -> int:
        """Open and not yet overdue: still in time, so neither on time nor late yet."""
        return self.assignments - self.done - self.open_overdue - self.returned

    @property
    def closure_rate(self) -> float | None:
        """办结率: answered ÷ the assignments the unit kept (returned ones went elsewhere)."""
        kept = self.assignments - self.returned
        return self.done / kept if kept else None


def _unsigned():
    """Still to be signed for, as SQL: no acknowledgement yet, and a sign-for deadline to meet."""
    return (Assignment.acknowledged_at == None) & (Assignment.ack_due != None)  # noqa: E711


def overdue_clause(moment: datetime):
    """The one overdue rule, as SQL: an open assignment whose sign-for deadline passed unsigned, or
    whose main deadline (response, else press conference) passed, at `moment`."""
    return (col(Assignment.status).in_(OPEN_ASSIGNMENT_STATUSES)) & or_(
        _unsigned() & (Assignment.ack_due < moment),
        func.coalesce(Assignment.response_due, Assignment.press_due) < moment,
    )


def next_deadline():
    """The deadline an assignment faces next, as SQL: the sign-for deadline while unsigned, then the
    response deadline (else the press conference). Sorting by it puts the soonest (or the most
    overdue) first in the inbox and the overdue list alike."""
    return case((_unsigned(), Assignment.ack_due), else_=func.coalesce(Assignment.response_due, Assignment.press_due))


def _next_deadline_kinds() -> list[tuple]:
    """`next_deadline`'s three cases as (which assignments, the deadline they face next), each to be
    queried as a range of one index instead of the CASE evaluated on every open assignment: unsigned
    ones their sign-for deadline, the others their response deadline or, without one, the
    press-conference deadline."""
    unsigned, signed = _unsigned(), ~_unsigned()
    return [(unsigned, Assignment.ack_due),
            (signed & (Assignment.response_due != None), Assignment.response_due),  # noqa: E711
            (signed & (Assignment.response_due == None), Assignment.press_due)]  # noqa: E711


def next_deadline_between(start: datetime, end: datetime) -> list:
    """Open assignments whose next deadline (`next_deadline`) falls in [start, end), as three conditions
    to query apart (`_next_deadline_kinds`)."""
    still_open = col(Assignment.status).in_(OPEN_ASSIGNMENT_STATUSES)
    return [still_open & which & (due >= start) & (due < end) for which, due in _next_deadline_kinds()]


def _plain_rows(session: Session, statement) -> list[tuple]:
    """The statement's rows as the driver's plain tuples. For the ~30,000 durations behind a month's
    medians, building SQLAlchemy Row objects took longer than the database query itself."""
    connection = session.connection()
    sql = str(statement.compile(connection, compile_kwargs={"literal_binds": True}))  # the bounds are datetimes
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def compliance_since(session: Session, *, viewer: Viewer, since: datetime | None, until: datetime | None = None,
                     at: datetime | None = None) -> list[UnitCompliance]:
    """Per-unit compliance over assignments created in [since, until), judged at `at` (default now),
    for the supervisors' page and the weekly report; for supervisors, analysts and admins only.
    Counted in SQL: only the medians need rows, and those come as the driver's bare tuples of hours."""
    if not viewer.sees_everything:
        raise AccessDenied(f"用户 {viewer.username} 无权查看其他单位的回应合规情况")
    moment = at or now()
    due = func.coalesce(Assignment.response_due, Assignment.press_due)
    done = col(Assignment.status).in_(DONE_ASSIGNMENT_STATUSES)

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
               count_if(overdue_clause(moment)), count_if(Assignment.status == AssignmentStatus.RETURNED))
        .where(*period).group_by(Assignment.unit_code).order_by(Assignment.unit_code)
    ).all()
    escalations = select(Event.unit_code, func.count()).where(Event.kind == "escalated")
    if since:
        escalations = escalations.where(Event.at >= since)
    if until:
        escalations = escalations.where(Event.at < until)
    escalated = dict(session.exec(escalations.group_by(Event.unit_code)).all())
    sign: dict[str, list[float]] = defaultdict(list)
    respond: dict[str, list[float]] = defaultdict(list)
    # the hours are stored with each assignment (migration 0015): computing them here was most of the time
    for unit, sign_hours, respond_hours in _plain_rows(session, select(
            Assignment.unit_code, Assignment.hours_to_sign, Assignment.hours_to_respond).where(
            *period, or_(Assignment.hours_to_sign != None, Assignment.hours_to_respond != None))):  # noqa: E711
        if sign_hours is not None:
            sign[unit].append(sign_hours)
        if respond_hours is not None:
            respond[unit].append(respond_hours)
    return [UnitCompliance(
        unit_code=unit, assignments=int(total), done=int(n_done or 0), done_on_time=int(on_time or 0),
        open_overdue=int(overdue or 0), returned=int(returned or 0), escalated=int(escalated.get(unit, 0)),
        median_hours_to_sign=median(sign[unit]) if sign.get(unit) else None,
        median_hours_to_respond=median(respond[unit]) if respond.get(unit) else None,
    ) for unit, total, n_done, on_time, overdue, returned in rows]


def _overdue_parts(moment: datetime) -> list[tuple]:
    """The overdue rule (`overdue_clause`) cut by the deadline that orders it (`_next_deadline_kinds`),
    as (condition, its deadline). Per open status, each part is a range of one index already in
    deadline order, so a page of the most overdue reads its rows and no more: sorting all ten thousand
    overdue ones by the CASE first was most of 超期清单's query time."""
    (unsigned, ack_due), *signed = _next_deadline_kinds()
    main = func.coalesce(Assignment.response_due, Assignment.press_due)
    # an unsigned one is late once its sign-for deadline or its main deadline passed; the others, theirs
    return [(unsigned & ((ack_due < moment) | (main < moment)), ack_due),
            *((which & (due < moment), due) for which, due in signed)]


def overdue_page(session: Session, *, viewer: Viewer, at: datetime | None = None, unit_code: str | None = None,
                 limit: int = 100, offset: int = 0) -> tuple[list[tuple[Assignment, Issue]], int]:
    """Open assignments past a deadline (sign-for or response), most overdue first (by `next_deadline`,
    then id); counted in SQL. Ordered on the assignments alone (every one has its issue), and only
    the page's rows joined to their issues."""
    moment = at or now()
    wanted = _restrict_assignments(select(Assignment.id).where(overdue_clause(moment)), viewer)
    if unit_code:
        wanted = wanted.where(Assignment.unit_code == unit_code)
    total = session.exec(select(func.count()).select_from(wanted.subquery())).one()
    if not total or offset >= total:
        return [], int(total)
    firsts = []
    for condition, deadline in _overdue_parts(moment):
        for status in OPEN_ASSIGNMENT_STATUSES:
            part = select(Assignment.id, deadline.label("due")).where(Assignment.status == status, condition)
            part = _restrict_assignments(part, viewer)
            if unit_code:
                part = part.where(Assignment.unit_code == unit_code)
            firsts.append(part.order_by(deadline, Assignment.id).limit(offset + limit).subquery().select())
    merged = union_all(*firsts).subquery()
    ids = list(session.exec(select(merged.c.id).order_by(merged.c.due, merged.c.id).offset(offset).limit(limit)).all())
    rows = {a.id: (a, i) for a, i in session.exec(select(Assignment, Issue).join(Issue, Issue.id == Assignment.issue_id)
                                                   .options(load_only(Issue.id, Issue.title))  # all a row shows
                                                   .where(col(Assignment.id).in_(ids))).all()}
    return [rows[i] for i in ids if i in rows], int(total)


def overdue_ids(session: Session, *, viewer: Viewer, assignment_ids: list[int], at: datetime | None = None) -> set[int]:
    """Which of these assignments are overdue at `at` (default now), by the same rule as the lists."""
    if not assignment_ids:
        return set()
    statement = select(Assignment.id).where(col(Assignment.id).in_(assignment_ids), overdue_clause(at or now()))
    return set(session.exec(_restrict_assignments(statement, viewer)).all())
