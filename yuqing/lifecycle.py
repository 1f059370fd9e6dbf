"""State changes of assignments and issues, each validated and written to the audit log.

These are the only functions that change an assignment's or an issue's status (routing, manual
routing, the units' work, the analysts' actions, merging); the dashboard, the CLI and the flows all
call them. Every change is one audit Event with actor and time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from yuqing import repo
from yuqing.clock import now
from yuqing.errors import AccessDenied, BadInput, IllegalTransition
from yuqing.models import DONE_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus, Event, Issue, IssueStatus
from yuqing.repo import Viewer

A, I = AssignmentStatus, IssueStatus  # noqa: E741 - the tables below read better short
# status → statuses it may move to (DESIGN.md §4: notified → acknowledged → responding → responded → closed; returned)
ASSIGNMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    A.NOTIFIED: frozenset({A.ACKNOWLEDGED, A.RETURNED}),
    A.ACKNOWLEDGED: frozenset({A.RESPONDING, A.RESPONDED, A.RETURNED}),
    A.RESPONDING: frozenset({A.RESPONDING, A.RESPONDED, A.RETURNED}),
    A.RESPONDED: frozenset({A.CLOSED, A.RESPONDING}),
    A.CLOSED: frozenset(),
    A.RETURNED: frozenset({A.NOTIFIED}),
}
# an issue's status → the statuses it may move to. It follows its lead assignments (assigned ⇄
# responded ⇄ closed), goes back to new when its lead unit returns it, may be routed again by hand
# (also after dismissal) and dismissed or merged while live; a merged issue lives on in the other.
# A new issue an official publication already answers is closed without a task (answer_officially).
ISSUE_TRANSITIONS: dict[str, frozenset[str]] = {
    I.NEW: frozenset({I.TRIAGED, I.ASSIGNED, I.CLOSED, I.DISMISSED, I.MERGED}),
    I.TRIAGED: frozenset({I.ASSIGNED, I.CLOSED, I.DISMISSED, I.MERGED}),
    I.ASSIGNED: frozenset({I.ASSIGNED, I.RESPONDED, I.CLOSED, I.NEW, I.DISMISSED, I.MERGED}),
    I.RESPONDED: frozenset({I.ASSIGNED, I.CLOSED, I.NEW, I.DISMISSED, I.MERGED}),
    I.CLOSED: frozenset({I.ASSIGNED, I.RESPONDED, I.NEW, I.DISMISSED, I.MERGED}),
    I.DISMISSED: frozenset({I.DISMISSED, I.ASSIGNED, I.MERGED}),
    I.MERGED: frozenset(),
}
MAX_TEXT = 20_000
# a second identical submit (a double click, a resent form) within this window is the same action
DOUBLE_SUBMIT = timedelta(minutes=2)
# what each status is called in the messages people read (the dashboard has its own copy for display)
_SAY = {"new": "新发现", "triaged": "已研判", "assigned": "已交办", "responded": "已答复", "closed": "已办结",
        "dismissed": "已排除", "merged": "已合并", "notified": "待签收", "acknowledged": "已签收",
        "responding": "办理中", "returned": "已退回"}


def _check_transition(assignment: Assignment, target: str) -> None:
    if target not in ASSIGNMENT_TRANSITIONS.get(assignment.status, frozenset()):
        raise IllegalTransition(
            f"交办 #{assignment.id} 当前为「{_SAY.get(assignment.status, assignment.status)}」，"
            f"不能变为「{_SAY.get(target, target)}」"
        )


def _set_issue_status(issue: Issue, target: IssueStatus, at: datetime | None = None) -> str:
    """Move the issue to `target` if its current status allows it; returns the previous status. The
    caller writes the audit event (it knows why)."""
    previous = issue.status
    if target != previous and target not in ISSUE_TRANSITIONS.get(previous, frozenset()):
        raise IllegalTransition(f"事件 #{issue.id} 当前为「{_SAY.get(previous, previous)}」，"
                                f"不能变为「{_SAY.get(target, target)}」")
    issue.status, issue.updated_at = target, at or now()
    return previous


def _own_assignment(session: Session, viewer: Viewer, assignment_id: int) -> Assignment:
    """A unit acts only on its own assignments; analysts/admins may act for a unit (e.g. by phone)."""
    assignment = repo.get_assignment(session, viewer=viewer, assignment_id=assignment_id, for_update=True)
    if viewer.role == "unit" and viewer.unit_code != assignment.unit_code:
        raise AccessDenied(f"用户 {viewer.username} 不能办理其他单位的交办")
    if viewer.role == "supervisor":
        raise AccessDenied("督查角色只能查阅和导出，不能办理交办")
    return assignment


def _move(session: Session, viewer: Viewer, assignment: Assignment, target: str, kind: str, note: str | None = None,
          data: dict | None = None) -> Assignment:
    previous = assignment.status
    _check_transition(assignment, target)
    assignment.status = target
    assignment.updated_at = now()
    session.add(assignment)
    repo.record_event(
        session, actor=viewer.username, kind=kind, issue_id=assignment.issue_id, assignment_id=assignment.id,
        unit_code=assignment.unit_code, from_state=previous, to_state=target, note=note, data=data,
    )
    _refresh_issue_status(session, assignment.issue_id, viewer)
    return assignment


def _clean_text(value: str, what: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise BadInput(f"{what}不能为空")
    if len(value) > MAX_TEXT:
        raise BadInput(f"{what}超过 {MAX_TEXT} 个字")
    return value


def _repeated(session: Session, viewer: Viewer, kind: str, issue_id: int, assignment_id: int | None,
              note: str | None) -> Event | None:
    """The same action by the same person, with the same text, logged moments ago: a double submit."""
    last = repo.latest_event(session, issue_id=issue_id, actor=viewer.username, kind=kind, assignment_id=assignment_id)
    if last is not None and last.note == note and abs(now() - _aware(last.at)) < DOUBLE_SUBMIT:
        return last
    return None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def issue_actions(issue: Issue) -> frozenset[str]:
    """The analyst actions valid from the issue's current status, read from ISSUE_TRANSITIONS (the
    dashboard offers these and only these): confirm (new → triaged), route, dismiss, merge; correct
    and note while the issue lives on (a merged issue lives on in the other)."""
    moves = ISSUE_TRANSITIONS.get(issue.status, frozenset())
    actions = set()
    if I.TRIAGED in moves:
        actions.add("confirm")
    if I.ASSIGNED in moves:
        actions.add("route")
    if I.DISMISSED in moves and issue.status != I.DISMISSED:
        actions.add("dismiss")
    if I.MERGED in moves:
        actions.add("merge")
    if moves:
        actions |= {"correct", "note"}
    return frozenset(actions)


def acknowledge(session: Session, *, viewer: Viewer, assignment_id: int) -> Assignment:
    """签收: the unit confirms it has the issue."""
    assignment = _own_assignment(session, viewer, assignment_id)
    if assignment.status == AssignmentStatus.ACKNOWLEDGED:
        return assignment  # signed already (a double click): nothing changes, nothing is logged twice
    _check_transition(assignment, AssignmentStatus.ACKNOWLEDGED)
    assignment.acknowledged_at = now()
    return _move(session, viewer, assignment, AssignmentStatus.ACKNOWLEDGED, "acknowledged")


def report_progress(session: Session, *, viewer: Viewer, assignment_id: int, note: str) -> Assignment:
    assignment = _own_assignment(session, viewer, assignment_id)
    note = _clean_text(note, "办理进展")
    if _repeated(session, viewer, "progress", assignment.issue_id, assignment.id, note):
        return assignment
    return _move(session, viewer, assignment, AssignmentStatus.RESPONDING, "progress", note=note)


def respond(session: Session, *, viewer: Viewer, assignment_id: int, text: str, url: str = "") -> Assignment:
    """The unit's public response: its text and, where published, the public URL."""
    assignment = _own_assignment(session, viewer, assignment_id)
    text = _clean_text(text, "答复内容")
    url = _clean_text(url, "公开链接", required=False)
    if url and not url.startswith(("http://", "https://")):
        raise BadInput("公开链接必须以 http:// 或 https:// 开头")
    if (assignment.status == AssignmentStatus.RESPONDED and assignment.response_text == text
            and (assignment.response_url or "") == url):
        return assignment  # the same answer submitted twice
    _check_transition(assignment, AssignmentStatus.RESPONDED)
    assignment.response_text, assignment.response_url = text, url or None
    assignment.responded_at = now()
    assignment.response_verified = None
    return _move(session, viewer, assignment, AssignmentStatus.RESPONDED, "responded", note=text[:500],
                 data={"url": url or None})


def return_assignment(session: Session, *, viewer: Viewer, assignment_id: int, reason: str) -> Assignment:
    """退回: the unit says the issue is not theirs; routing runs again without that unit."""
    assignment = _own_assignment(session, viewer, assignment_id)
    reason = _clean_text(reason, "退回理由")
    if assignment.status == AssignmentStatus.RETURNED and assignment.return_reason == reason:
        return assignment  # returned already, for this reason
    _check_transition(assignment, AssignmentStatus.RETURNED)
    assignment.returned_at, assignment.return_reason = now(), reason
    _move(session, viewer, assignment, AssignmentStatus.RETURNED, "returned", note=reason)
    if assignment.role == "lead":
        issue = session.get(Issue, assignment.issue_id)
        issue.routed_at = None
        _set_issue_status(issue, IssueStatus.NEW)
        session.add(issue)
    return assignment


def close(session: Session, *, viewer: Viewer, assignment_id: int, note: str | None = None) -> Assignment:
    if not viewer.may_edit_issues:
        raise AccessDenied(f"用户 {viewer.username} 无权办结交办")
    assignment = repo.get_assignment(session, viewer=viewer, assignment_id=assignment_id, for_update=True)
    if assignment.status == AssignmentStatus.CLOSED:
        return assignment
    _check_transition(assignment, AssignmentStatus.CLOSED)
    assignment.closed_at = now()
    return _move(session, viewer, assignment, AssignmentStatus.CLOSED, "closed", note=note)


def record_verification(session: Session, *, viewer: Viewer, assignment_id: int, published: bool, detail: str) -> None:
    assignment = repo.get_assignment(session, viewer=viewer, assignment_id=assignment_id)
    assignment.response_verified = published
    session.add(assignment)
    repo.record_event(
        session, actor=viewer.username, kind="verified", issue_id=assignment.issue_id, assignment_id=assignment.id,
        unit_code=assignment.unit_code, note=detail, data={"published": published, "url": assignment.response_url},
    )


def _refresh_issue_status(session: Session, issue_id: int, viewer: Viewer) -> None:
    """An issue is responded when every live lead assignment has responded, closed when they are closed."""
    issue = repo.lock_issue(session, issue_id=issue_id)  # two leads answering at once must not both miss it
    leads = [a for a in repo.assignments_of_issue(session, viewer=Viewer.system("lifecycle"), issue_id=issue_id)
             if a.role == "lead" and a.status != AssignmentStatus.RETURNED]
    if not leads or issue.status in (IssueStatus.DISMISSED, IssueStatus.MERGED):
        return
    statuses = {a.status for a in leads}
    target = issue.status
    if statuses == {AssignmentStatus.CLOSED}:
        target = IssueStatus.CLOSED
    elif statuses <= set(DONE_ASSIGNMENT_STATUSES):
        target = IssueStatus.RESPONDED
    elif issue.status in (IssueStatus.RESPONDED, IssueStatus.CLOSED):
        target = IssueStatus.ASSIGNED
    if target != issue.status:
        repo.record_event(session, actor=viewer.username, kind="edited", issue_id=issue.id,
                          from_state=issue.status, to_state=target, note="事件状态随牵头单位的办理进度更新")
        _set_issue_status(issue, target)
        session.add(issue)


# ---------------------------------------------------------------- routing (automatic and by hand)


def send_to_triage(session: Session, *, actor: str, issue: Issue, reason: str | None) -> None:
    """Routing was not confident: the issue waits in the analysts' triage queue (its status stays)."""
    issue.needs_triage, issue.triage_reason = True, reason
    repo.record_event(session, actor=actor, kind="triage", issue_id=issue.id, from_state=issue.status,
                      to_state="triage", note=reason)
    session.add(issue)


def notify_unit(session: Session, *, actor: str, issue: Issue, unit_code: str, role: str, rule_id: str, reason: str,
                deadlines: dict, at: datetime, data: dict) -> tuple[Assignment, Event]:
    """交办: a new assignment of the issue to a unit, waiting for it to sign (notified); returns it and
    its audit event."""
    assignment = Assignment(issue_id=issue.id, unit_code=unit_code, role=role, rule_id=rule_id, reason=reason,
                            level=issue.urgency, status=AssignmentStatus.NOTIFIED, created_at=at, updated_at=at,
                            **deadlines)
    session.add(assignment)
    session.flush()
    event = repo.record_event(session, actor=actor, kind="routed", issue_id=issue.id, assignment_id=assignment.id,
                              unit_code=unit_code, to_state=AssignmentStatus.NOTIFIED, note=reason, data=data)
    return assignment, event


def notify_again(session: Session, *, actor: str, assignment: Assignment, rule_id: str, reason: str,
                 deadlines: dict, data: dict) -> Event:
    """An analyst hands an assignment back to its unit with fresh deadlines (after a 退回, or a
    notified one re-issued); returns the audit event."""
    previous = assignment.status
    if previous == AssignmentStatus.NOTIFIED and assignment.reason == reason:
        last = _repeated(session, Viewer(actor, "system"), "reassigned", assignment.issue_id, assignment.id, reason)
        if last is not None:
            return last  # the same hand-over submitted twice: the first one stands
    if previous != AssignmentStatus.NOTIFIED:
        if AssignmentStatus.NOTIFIED not in ASSIGNMENT_TRANSITIONS[previous]:
            raise BadInput(f"该单位已在办理此事件（{_SAY.get(previous, previous)}），不能重新交办")
    assignment.status, assignment.reason, assignment.rule_id = AssignmentStatus.NOTIFIED, reason, rule_id
    for key, value in deadlines.items():
        setattr(assignment, key, value)
    return repo.record_event(session, actor=actor, kind="reassigned", issue_id=assignment.issue_id,
                             assignment_id=assignment.id, unit_code=assignment.unit_code, from_state=previous,
                             to_state=AssignmentStatus.NOTIFIED, note=reason, data=data)


def mark_assigned(session: Session, *, actor: str, issue: Issue, at: datetime, note: str | None = None,
                  data: dict | None = None, audit: bool = True) -> None:
    """The issue has its units: assigned, out of triage. `audit=False` when the caller's routing event
    on the assignment already records it (manual routing)."""
    previous = _set_issue_status(issue, IssueStatus.ASSIGNED, at)
    issue.routed_at, issue.needs_triage = at, False
    session.add(issue)
    if audit:
        repo.record_event(session, actor=actor, kind="edited", issue_id=issue.id, from_state=previous,
                          to_state=IssueStatus.ASSIGNED, note=note, data=data)


# ---------------------------------------------------------------- analyst actions on issues


def mark_merged(session: Session, *, viewer: Viewer, issue: Issue, into: Issue, note: str | None, at: datetime) -> None:
    """The status side of merging `issue` into `into` (yuqing.analyst.merge_issue moves the posts)."""
    previous = _set_issue_status(issue, IssueStatus.MERGED, at)
    issue.merged_into_id = into.id
    session.add(issue)
    repo.record_event(session, actor=viewer.username, kind="merged", issue_id=issue.id, from_state=previous,
                      to_state=IssueStatus.MERGED, note=note, data={"into": into.id})


def _editable_issue(session: Session, viewer: Viewer, issue_id: int) -> Issue:
    if not viewer.may_edit_issues:
        raise AccessDenied(f"用户 {viewer.username} 无权修改事件")
    return repo.get_issue(session, viewer=viewer, issue_id=issue_id)


def confirm_issue(session: Session, *, viewer: Viewer, issue_id: int) -> Issue:
    """确认: a new issue is a real one (新发现 → 已研判). Offered only where issue_actions says so; a
    second confirmation changes nothing."""
    issue = _editable_issue(session, viewer, issue_id)
    if issue.status == IssueStatus.TRIAGED and issue.confirmed_at is not None:
        return issue
    if "confirm" not in issue_actions(issue):
        raise IllegalTransition(f"事件 #{issue.id} 当前为「{_SAY.get(issue.status, issue.status)}」，无需确认")
    issue.confirmed_at = now()
    previous = issue.status
    _set_issue_status(issue, IssueStatus.TRIAGED, issue.confirmed_at)
    issue.needs_triage = False
    session.add(issue)
    repo.record_event(session, actor=viewer.username, kind="confirmed", issue_id=issue.id, from_state=previous,
                      to_state=issue.status)
    return issue


def dismiss_issue(session: Session, *, viewer: Viewer, issue_id: int, reason: str) -> Issue:
    issue = _editable_issue(session, viewer, issue_id)
    reason = _clean_text(reason, "排除理由")
    if issue.status == IssueStatus.DISMISSED:
        return issue  # dismissed already
    previous = _set_issue_status(issue, IssueStatus.DISMISSED)
    issue.needs_triage = False
    session.add(issue)
    repo.record_event(session, actor=viewer.username, kind="dismissed", issue_id=issue.id, from_state=previous,
                      to_state=IssueStatus.DISMISSED, note=reason)
    return issue


def add_note(session: Session, *, viewer: Viewer, issue_id: int, note: str) -> None:
    repo.get_issue(session, viewer=viewer, issue_id=issue_id)
    if viewer.role == "supervisor":
        raise AccessDenied("督查角色只能查阅和导出，不能添加备注")
    note = _clean_text(note, "备注")
    if _repeated(session, viewer, "note", issue_id, None, note):
        return
    repo.record_event(session, actor=viewer.username, kind="note", issue_id=issue_id, unit_code=viewer.unit_code,
                      note=note)


def correct_labels(
    session: Session, *, viewer: Viewer, issue_id: int, topic: str | None = None, urgency: int | None = None,
    jurisdiction: str | None = None,
) -> Issue:
    """An analyst's correction; kept in the audit log, where training feedback is read from."""
    issue = _editable_issue(session, viewer, issue_id)
    if urgency is not None and urgency not in (1, 2, 3, 4):
        raise BadInput("紧急程度必须是 1、2、3 或 4 级")
    changes = {}
    for field, value in (("topic", topic), ("urgency", urgency), ("jurisdiction", jurisdiction)):
        if value is not None and getattr(issue, field) != value:
            changes[field] = {"from": getattr(issue, field), "to": value}
            setattr(issue, field, value)
    if changes:
        issue.updated_at = now()
        session.add(issue)
        repo.record_event(session, actor=viewer.username, kind="edited", issue_id=issue.id, note="修正标签",
                          data={"corrections": changes})
    return issue


def answer_officially(session: Session, *, actor: str, issue: Issue, url: str, title: str, text: str,
                      at: datetime | None = None) -> str:
    """An official publication (关于“…”的回复 on the district's own site) answers the issue: it is the
    published response of every live lead assignment (its URL the one `yuqing verify` checks), or,
    when nothing was assigned yet, the issue is closed without a task. Returns what happened."""
    moment = at or now()
    system = Viewer.system("official")
    leads = [a for a in repo.assignments_of_issue(session, viewer=system, issue_id=issue.id)
             if a.role == "lead" and a.status in (A.NOTIFIED, A.ACKNOWLEDGED, A.RESPONDING)]
    note = f"官方公开答复：{title}"[:500]
    for assignment in leads:
        previous = assignment.status
        assignment.response_text, assignment.response_url = text[:MAX_TEXT], url
        assignment.responded_at, assignment.response_verified = moment, None
        assignment.status, assignment.updated_at = A.RESPONDED, moment
        session.add(assignment)
        repo.record_event(session, actor=actor, kind="responded", issue_id=issue.id, assignment_id=assignment.id,
                          unit_code=assignment.unit_code, from_state=previous, to_state=A.RESPONDED, note=note,
                          data={"url": url, "official": True}, at=moment)
    if leads:
        _refresh_issue_status(session, issue.id, system)
        return "responded"
    if issue.status in (I.NEW, I.TRIAGED) and not repo.assignments_of_issue(session, viewer=system, issue_id=issue.id):
        previous = _set_issue_status(issue, I.CLOSED, moment)
        issue.needs_triage, issue.routed_at = False, moment
        session.add(issue)
        repo.record_event(session, actor=actor, kind="closed", issue_id=issue.id, from_state=previous,
                          to_state=I.CLOSED, note=note + "（已公开答复，不再交办）", data={"url": url, "official": True},
                          at=moment)
        return "closed"
    repo.record_event(session, actor=actor, kind="responded", issue_id=issue.id, note=note,
                      data={"url": url, "official": True}, at=moment)
    return "recorded"
