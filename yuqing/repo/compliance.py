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

from sqlalchemy import case, literal_column
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


def _within(moment, since: datetime | None, until: datetime | None) -> list:
    """`moment` in [since, until), as conditions; an open end adds none."""
    return [*([moment >= since] if since else []), *([moment < until] if until else [])]


SIGN, RESPOND = 0, 1
# most units × kinds per query: SQLite allows 500 parts in one compound SELECT, and before 3.32 only
# 999 parameters (five a part)
MEDIAN_PARTS = 150


def _median_hours(session: Session, since: datetime | None, until: datetime | None,
                  counts: dict[str, tuple[int, int]]) -> dict[tuple[str, int], float]:
    """Each unit's median hours to sign for (SIGN) and to answer (RESPOND) over assignments created in
    [since, until), given how many of the unit's have each (`counts`). The median is the middle row (odd
    count) or the mean of the middle two (even) of the unit's hours in order: ix_assignment_sign_hours /
    ix_assignment_respond_hours read from the unit's start up to its middle, the period only filtering
    what the index holds, instead of every stored hour fetched and sorted here. The period is written as
    an expression neither database can read as a range: as a range with both bounds (the weekly report)
    both planners chose it and fetched and sorted every row of it, 35 ms for a week against 3.5 ms."""
    period = _within(func.coalesce(Assignment.created_at, Assignment.created_at), since, until)
    parts = []
    for unit, numbers in counts.items():
        for kind, (hours, n) in enumerate(zip((Assignment.hours_to_sign, Assignment.hours_to_respond), numbers,
                                              strict=True)):
            if n:
                part = (select(Assignment.unit_code, literal_column(str(kind)).label("kind"), hours.label("hours"))
                        .where(Assignment.unit_code == unit, hours != None, *period)  # noqa: E711
                        .order_by(hours).offset((n - 1) // 2).limit(2 - n % 2))
                parts.append(part.subquery().select())
    middles: dict[tuple[str, int], list[float]] = defaultdict(list)
    for start in range(0, len(parts), MEDIAN_PARTS):
        for unit, kind, hours in session.exec(union_all(*parts[start:start + MEDIAN_PARTS])).all():
            middles[unit, int(kind)].append(hours)
    # the counts were read by an earlier statement: an assignment signed or answered in between shifts the
    # middle by one row (or, deleted, may leave none) until the next read; the pages cache a minute anyway
    return {key: sum(values) / len(values) for key, values in middles.items()}


def compliance_since(session: Session, *, viewer: Viewer, since: datetime | None, until: datetime | None = None,
                     at: datetime | None = None) -> list[UnitCompliance]:
    """Per-unit compliance over assignments created in [since, until), judged at `at` (default now),
    for the supervisors' page and the weekly report; for supervisors, analysts and admins only.
    Counted in SQL, the medians too (`_median_hours`)."""
    if not viewer.sees_everything:
        raise AccessDenied(f"用户 {viewer.username} 无权查看其他单位的回应合规情况")
    moment = at or now()
    due = func.coalesce(Assignment.response_due, Assignment.press_due)
    done = col(Assignment.status).in_(DONE_ASSIGNMENT_STATUSES)

    def count_if(condition):
        # FILTER (SQLite ≥ 3.30, PostgreSQL): a sixth less than summing a CASE over a month's rows
        return func.count().filter(condition)

    rows = session.exec(
        select(Assignment.unit_code, func.count(), count_if(done),
               count_if(done & ((due == None) | ((Assignment.responded_at != None) & (Assignment.responded_at <= due)))),  # noqa: E711
               count_if(overdue_clause(moment)), count_if(Assignment.status == AssignmentStatus.RETURNED),
               # how many have hours to sign / to answer (stored for exactly these, migration 0015): the medians' ranks
               func.count(Assignment.acknowledged_at), func.count(Assignment.responded_at))
        .where(*_within(Assignment.created_at, since, until)).group_by(Assignment.unit_code).order_by(Assignment.unit_code)
    ).all()
    escalated = dict(session.exec(select(Event.unit_code, func.count()).where(
        Event.kind == "escalated", *_within(Event.at, since, until)).group_by(Event.unit_code)).all())
    medians = _median_hours(session, since, until, {unit: (signed, answered) for unit, *_, signed, answered in rows})
    return [UnitCompliance(
        unit_code=unit, assignments=int(total), done=int(n_done or 0), done_on_time=int(on_time or 0),
        open_overdue=int(overdue or 0), returned=int(returned or 0), escalated=int(escalated.get(unit, 0)),
        median_hours_to_sign=medians.get((unit, SIGN)), median_hours_to_respond=medians.get((unit, RESPOND)),
    ) for unit, total, n_done, on_time, overdue, returned, _, _ in rows]


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
