"""State changes of assignments and issues, each validated and written to the audit log.

These are the only functions that change an assignment's or an issue's status; the dashboard,
the CLI and the flows all call them. Every change is one audit Event with actor and time.
"""

from __future__ import annotations

from sqlmodel import Session

from yuqing import repo
from yuqing.clock import now
from yuqing.errors import AccessDenied, BadInput, IllegalTransition
from yuqing.models import Assignment, Issue
from yuqing.repo import Viewer

# status → statuses it may move to (DESIGN.md §4: notified → acknowledged → responding → responded → closed; returned)
ASSIGNMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "notified": frozenset({"acknowledged", "returned"}),
    "acknowledged": frozenset({"responding", "responded", "returned"}),
    "responding": frozenset({"responding", "responded", "returned"}),
    "responded": frozenset({"closed", "responding"}),
    "closed": frozenset(),
    "returned": frozenset({"notified"}),
}
MAX_TEXT = 20_000


def _check_transition(assignment: Assignment, target: str) -> None:
    if target not in ASSIGNMENT_TRANSITIONS.get(assignment.status, frozenset()):
        raise IllegalTransition(
            f"assignment {assignment.id} is {assignment.status}; it cannot become {target}"
        )


def _own_assignment(session: Session, viewer: Viewer, assignment_id: int) -> Assignment:
    """A unit acts only on its own assignments; analysts/admins may act for a unit (e.g. by phone)."""
    assignment = repo.get_assignment(session, viewer=viewer, assignment_id=assignment_id, for_update=True)
    if viewer.role == "unit" and viewer.unit_code != assignment.unit_code:
        raise AccessDenied(f"{viewer.username} may not act on another unit's assignment")
    if viewer.role == "supervisor":
        raise AccessDenied("supervisors read and export; they do not act on assignments")
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
        raise BadInput(f"{what} must not be empty")
    if len(value) > MAX_TEXT:
        raise BadInput(f"{what} is longer than {MAX_TEXT} characters")
    return value


def acknowledge(session: Session, *, viewer: Viewer, assignment_id: int) -> Assignment:
    """签收: the unit confirms it has the issue."""
    assignment = _own_assignment(session, viewer, assignment_id)
    _check_transition(assignment, "acknowledged")
    assignment.acknowledged_at = now()
    return _move(session, viewer, assignment, "acknowledged", "acknowledged")


def report_progress(session: Session, *, viewer: Viewer, assignment_id: int, note: str) -> Assignment:
    assignment = _own_assignment(session, viewer, assignment_id)
    return _move(session, viewer, assignment, "responding", "progress", note=_clean_text(note, "a progress note"))


def respond(session: Session, *, viewer: Viewer, assignment_id: int, text: str, url: str = "") -> Assignment:
    """The unit's public response: its text and, where published, the public URL."""
    assignment = _own_assignment(session, viewer, assignment_id)
    text = _clean_text(text, "the response text")
    url = _clean_text(url, "the public URL", required=False)
    if url and not url.startswith(("http://", "https://")):
        raise BadInput("the public URL must start with http:// or https://")
    _check_transition(assignment, "responded")
    assignment.response_text, assignment.response_url = text, url or None
    assignment.responded_at = now()
    assignment.response_verified = None
    return _move(session, viewer, assignment, "responded", "responded", note=text[:500], data={"url": url or None})


def return_assignment(session: Session, *, viewer: Viewer, assignment_id: int, reason: str) -> Assignment:
    """退回: the unit says the issue is not theirs; routing runs again without that unit."""
    assignment = _own_assignment(session, viewer, assignment_id)
    reason = _clean_text(reason, "the reason for returning")
    _check_transition(assignment, "returned")
    assignment.returned_at, assignment.return_reason = now(), reason
    _move(session, viewer, assignment, "returned", "returned", note=reason)
    if assignment.role == "lead":
        issue = session.get(Issue, assignment.issue_id)
        issue.routed_at = None
        issue.status = "new"
        issue.updated_at = now()
        session.add(issue)
    return assignment


def close(session: Session, *, viewer: Viewer, assignment_id: int, note: str | None = None) -> Assignment:
    if not viewer.may_edit_issues:
        raise AccessDenied(f"{viewer.username} may not close assignments")
    assignment = repo.get_assignment(session, viewer=viewer, assignment_id=assignment_id, for_update=True)
    _check_transition(assignment, "closed")
    assignment.closed_at = now()
    return _move(session, viewer, assignment, "closed", "closed", note=note)


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
             if a.role == "lead" and a.status != "returned"]
    if not leads or issue.status in ("dismissed", "merged"):
        return
    statuses = {a.status for a in leads}
    target = issue.status
    if statuses == {"closed"}:
        target = "closed"
    elif statuses <= {"responded", "closed"}:
        target = "responded"
    elif issue.status in ("responded", "closed"):
        target = "assigned"
    if target != issue.status:
        repo.record_event(session, actor=viewer.username, kind="edited", issue_id=issue.id,
                          from_state=issue.status, to_state=target, note="issue status follows its lead assignment")
        issue.status, issue.updated_at = target, now()
        session.add(issue)


# ---------------------------------------------------------------- analyst actions on issues


def _editable_issue(session: Session, viewer: Viewer, issue_id: int) -> Issue:
    if not viewer.may_edit_issues:
        raise AccessDenied(f"{viewer.username} may not change issues")
    return repo.get_issue(session, viewer=viewer, issue_id=issue_id)


def confirm_issue(session: Session, *, viewer: Viewer, issue_id: int) -> Issue:
    issue = _editable_issue(session, viewer, issue_id)
    issue.confirmed_at = now()
    previous = issue.status
    if issue.status == "new":
        issue.status = "triaged"
    issue.needs_triage = False
    session.add(issue)
    repo.record_event(session, actor=viewer.username, kind="confirmed", issue_id=issue.id, from_state=previous,
                      to_state=issue.status)
    return issue


def dismiss_issue(session: Session, *, viewer: Viewer, issue_id: int, reason: str) -> Issue:
    issue = _editable_issue(session, viewer, issue_id)
    reason = _clean_text(reason, "the reason for dismissing")
    previous, issue.status, issue.needs_triage = issue.status, "dismissed", False
    issue.updated_at = now()
    session.add(issue)
    repo.record_event(session, actor=viewer.username, kind="dismissed", issue_id=issue.id, from_state=previous,
                      to_state="dismissed", note=reason)
    return issue


def add_note(session: Session, *, viewer: Viewer, issue_id: int, note: str) -> None:
    repo.get_issue(session, viewer=viewer, issue_id=issue_id)
    if viewer.role == "supervisor":
        raise AccessDenied("supervisors read and export; they do not annotate issues")
    repo.record_event(session, actor=viewer.username, kind="note", issue_id=issue_id, unit_code=viewer.unit_code,
                      note=_clean_text(note, "the note"))


def correct_labels(
    session: Session, *, viewer: Viewer, issue_id: int, topic: str | None = None, urgency: int | None = None,
    jurisdiction: str | None = None,
) -> Issue:
    """An analyst's correction; kept in the audit log, where training feedback is read from."""
    issue = _editable_issue(session, viewer, issue_id)
    if urgency is not None and urgency not in (1, 2, 3, 4):
        raise BadInput("urgency must be 1, 2, 3 or 4")
    changes = {}
    for field, value in (("topic", topic), ("urgency", urgency), ("jurisdiction", jurisdiction)):
        if value is not None and getattr(issue, field) != value:
            changes[field] = {"from": getattr(issue, field), "to": value}
            setattr(issue, field, value)
    if changes:
        issue.updated_at = now()
        session.add(issue)
        repo.record_event(session, actor=viewer.username, kind="edited", issue_id=issue.id, note="labels corrected",
                          data={"corrections": changes})
    return issue
