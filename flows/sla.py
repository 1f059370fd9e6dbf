"""SLA watch (DESIGN.md §6): reminders at 50 % and 80 % of each open deadline, 督办 escalation at
the deadline to the unit head and the supervisors, a second level later to the duty office.

Each reminder/escalation is an outbox notification with a dedupe key and, only when it is
newly queued, one audit event: the watch can run every minute, twice at once, or after a crash,
and never alerts or logs twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from flows.tally import Tally
from yuqing import repo
from yuqing.alerts import enqueue_alert
from yuqing.clock import now, to_local
from yuqing.db import session_scope
from yuqing.deadlines import reminder_times
from yuqing.models import DONE_ASSIGNMENT_STATUSES, OPEN_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus, Issue
from yuqing.profile import Duration, Profile, load_profile

DEADLINE_LABELS = {"ack": "签收", "info": "首次发布权威信息", "press": "新闻发布会", "response": "答复"}


def pending_deadlines(assignment: Assignment) -> list[tuple[str, datetime]]:
    """The deadlines of an assignment that are not met yet.

    签收 is met by acknowledging; 首次发布权威信息 by the first progress report or the response;
    新闻发布会 and 答复 by the response.
    """
    pending = []
    if assignment.ack_due and assignment.acknowledged_at is None:
        pending.append(("ack", assignment.ack_due))
    if assignment.info_due and assignment.status not in (AssignmentStatus.RESPONDING, *DONE_ASSIGNMENT_STATUSES):
        pending.append(("info", assignment.info_due))
    for kind, due in (("press", assignment.press_due), ("response", assignment.response_due)):
        if due and assignment.responded_at is None:
            pending.append((kind, due))
    return pending


@dataclass(frozen=True)
class Alarm:
    """One thing the watch must do now: a reminder at a fraction, or an escalation of a level."""

    assignment_id: int
    deadline: str
    kind: str  # reminded | escalated
    step: str  # "50", "80" for reminders; "1", "2" for escalation levels
    due: datetime

    @property
    def key(self) -> str:
        return f"assignment:{self.assignment_id}:{self.deadline}:{self.kind}:{self.step}"


def alarms_for(assignment: Assignment, *, at: datetime, fractions: list[float], second_after: Duration) -> list[Alarm]:
    """Pure: which alarms are due for this assignment at time `at` (already-sent ones are filtered by key)."""
    alarms = []
    for deadline, due in pending_deadlines(assignment):
        if at >= due:
            alarms.append(Alarm(assignment.id, deadline, "escalated", "1", due))
            if at >= due + timedelta(minutes=second_after.minutes, days=second_after.working_days):
                alarms.append(Alarm(assignment.id, deadline, "escalated", "2", due))
            continue
        for fraction, moment in zip(fractions, reminder_times(assignment.created_at, due, fractions), strict=True):
            if at >= moment:
                # only the latest reminder reached counts: a watch that was down does not send a stale 50 %
                alarms = [a for a in alarms if not (a.deadline == deadline and a.kind == "reminded")]
                alarms.append(Alarm(assignment.id, deadline, "reminded", str(round(fraction * 100)), due))
    return alarms


@dataclass
class SlaReport(Tally):
    summary = "{reminders} reminder(s), {escalations} escalation(s)"
    reminders: int = 0
    escalations: int = 0


def sla_watch(*, profile: Profile | None = None) -> SlaReport:
    profile = profile or load_profile()
    policy = profile.meta.sla
    second_after = Duration.parse(policy.second_escalation_after)
    report = SlaReport()
    moment = now()
    with session_scope() as session:
        ids = session.exec(
            select(Assignment.id).where(col(Assignment.status).in_(OPEN_ASSIGNMENT_STATUSES)).order_by(Assignment.id)
        ).all()
    for assignment_id in ids:
        with session_scope() as session:
            assignment = session.get(Assignment, assignment_id)
            for alarm in alarms_for(assignment, at=moment, fractions=policy.reminders, second_after=second_after):
                _raise_alarm(session, profile, assignment, alarm, report)
    return report


def _raise_alarm(session: Session, profile: Profile, assignment: Assignment, alarm: Alarm, report: SlaReport) -> None:
    if repo.event_key_used(session, dedupe_key=alarm.key):
        return
    issue = session.get(Issue, assignment.issue_id)
    unit = profile.units.get(assignment.unit_code)
    label = DEADLINE_LABELS[alarm.deadline]
    due_text = f"{to_local(alarm.due):%Y-%m-%d %H:%M}"
    if alarm.kind == "reminded":
        subject = f"【舆情提醒】{label}时限已过 {alarm.step}%：{issue.title[:50]}"
        body = f"{unit.name if unit else assignment.unit_code}：事件 #{issue.id}「{issue.title}」{label}时限为 {due_text}，请尽快办理。"
        recipients, head, note = [unit] if unit else [], False, f"{label}时限已过 {alarm.step}%"
    else:
        level = "二级督办" if alarm.step == "2" else "督办"
        subject = f"【舆情{level}】{label}已超时：{issue.title[:50]}"
        body = (f"事件 #{issue.id}「{issue.title}」由{unit.name if unit else assignment.unit_code}办理，"
                f"{label}时限 {due_text} 已过，请督促办理。")
        supervisors = [profile.units[c] for c in profile.meta.supervisor_units if c in profile.units]
        recipients = supervisors + ([profile.units[profile.meta.duty_office_unit]] if alarm.step == "2" else [])
        head, note = True, f"{label}超时，{level}"
    try:
        with session.begin_nested():
            if alarm.kind == "escalated" and unit is not None:
                enqueue_alert(session, units=[unit], key=alarm.key, subject=subject, body=body, issue_id=issue.id,
                              assignment_id=assignment.id, head=True)
            enqueue_alert(session, units=recipients, key=alarm.key, subject=subject, body=body, issue_id=issue.id,
                          assignment_id=assignment.id, head=head and alarm.kind == "reminded")
            repo.record_event(
                session, actor="flow:sla-watch", kind=alarm.kind, issue_id=issue.id, assignment_id=assignment.id,
                unit_code=assignment.unit_code, note=note,
                data={"deadline": alarm.deadline, "step": alarm.step, "due": alarm.due.isoformat()},
                dedupe_key=alarm.key,
            )
    except IntegrityError:
        return  # another watcher raised this alarm at the same moment
    if alarm.kind == "reminded":
        report.reminders += 1
    else:
        report.escalations += 1
