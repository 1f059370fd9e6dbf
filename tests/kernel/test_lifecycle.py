import pytest
from sqlmodel import select

from flows.stages import route_issue
from yuqing import lifecycle, repo
from yuqing.db import session_scope
from yuqing.errors import AccessDenied, BadInput, IllegalTransition, NotFound
from yuqing.models import Event, Issue
from yuqing.repo import Viewer

ANALYST = Viewer("ana", "analyst")
SUPERVISOR = Viewer("sup", "supervisor")


def make_routed_issue(licheng, **facts) -> int:
    values = dict(title="小区物业乱收费", summary="开元街道某小区物业乱收停车费", topic="城乡建设", topic_prob=0.9,
                  jurisdiction="kaiyuan", places=["开元街道"], urgency=3)
    values.update(facts)
    with session_scope() as session:
        issue = Issue(**values)
        session.add(issue)
        session.flush()
        route_issue(session, issue=issue, profile=licheng)
        return issue.id


def lead_of(issue_id):
    with session_scope() as session:
        return next(a for a in repo.assignments_of_issue(session, viewer=ANALYST, issue_id=issue_id) if a.role == "lead" and a.status != "returned")


def test_full_lifecycle_writes_one_audit_event_per_step(any_db, licheng):
    issue_id = make_routed_issue(licheng)
    lead = lead_of(issue_id)
    unit = Viewer(f"unit_{lead.unit_code}", "unit", lead.unit_code)
    with session_scope() as session:
        lifecycle.acknowledge(session, viewer=unit, assignment_id=lead.id)
    with session_scope() as session:
        lifecycle.report_progress(session, viewer=unit, assignment_id=lead.id, note="已约谈物业")
    with session_scope() as session:
        lifecycle.respond(session, viewer=unit, assignment_id=lead.id, text="已责令整改", url="https://gov.example/r/1")
    with session_scope() as session:
        assert session.get(Issue, issue_id).status == "responded"
        lifecycle.close(session, viewer=ANALYST, assignment_id=lead.id)
    with session_scope() as session:
        assert session.get(Issue, issue_id).status == "closed"
        kinds = [e.kind for e in repo.timeline(session, viewer=SUPERVISOR, issue_id=issue_id)]
    assert kinds[:1] == ["routed"] or "routed" in kinds
    for kind in ("acknowledged", "progress", "responded", "closed"):
        assert kinds.count(kind) == 1, kinds


def test_illegal_jumps_are_refused(any_db, licheng):
    lead = lead_of(make_routed_issue(licheng))
    unit = Viewer("u", "unit", lead.unit_code)
    with session_scope() as session, pytest.raises(IllegalTransition):
        lifecycle.respond(session, viewer=unit, assignment_id=lead.id, text="跳过签收")
    with session_scope() as session, pytest.raises(IllegalTransition):
        lifecycle.close(session, viewer=ANALYST, assignment_id=lead.id)


def test_a_unit_cannot_touch_or_read_another_units_work(any_db, licheng):
    lead = lead_of(make_routed_issue(licheng))
    other = Viewer("u2", "unit", "changtai")
    with session_scope() as session, pytest.raises(AccessDenied):
        lifecycle.acknowledge(session, viewer=other, assignment_id=lead.id)
    with session_scope() as session, pytest.raises(NotFound):
        repo.get_issue(session, viewer=other, issue_id=lead.issue_id)
    with session_scope() as session:
        assert repo.search_issues(session, viewer=other) == ([], 0)
        assert repo.list_assignments(session, viewer=other) == []


def test_supervisors_read_but_do_not_act(any_db, licheng):
    lead = lead_of(make_routed_issue(licheng))
    with session_scope() as session, pytest.raises(AccessDenied):
        lifecycle.acknowledge(session, viewer=SUPERVISOR, assignment_id=lead.id)
    with session_scope() as session:
        assert repo.get_issue(session, viewer=SUPERVISOR, issue_id=lead.issue_id)


def test_returned_issue_is_rerouted_without_that_unit(any_db, licheng):
    issue_id = make_routed_issue(licheng, title="低保审核慢", summary="海滨街道低保申请", topic="民政",
                                 jurisdiction="haibin", places=["海滨街道"])
    lead = lead_of(issue_id)
    assert lead.unit_code == "civil_affairs"
    with session_scope() as session:
        lifecycle.return_assignment(session, viewer=Viewer("u", "unit", "civil_affairs"), assignment_id=lead.id,
                                    reason="属街道职责")
    with session_scope() as session:
        issue = session.get(Issue, issue_id)
        assert issue.routed_at is None
        route_issue(session, issue=issue, profile=licheng)
    new_lead = lead_of(issue_id)
    assert new_lead.unit_code == "haibin"
    with session_scope() as session:
        kinds = [e.kind for e in session.exec(select(Event).where(Event.issue_id == issue_id)).all()]
    assert "returned" in kinds and "reassigned" in kinds


def test_return_needs_a_reason_and_response_url_must_be_http(any_db, licheng):
    lead = lead_of(make_routed_issue(licheng))
    unit = Viewer("u", "unit", lead.unit_code)
    with session_scope() as session, pytest.raises(BadInput):
        lifecycle.return_assignment(session, viewer=unit, assignment_id=lead.id, reason="  ")
    with session_scope() as session:
        lifecycle.acknowledge(session, viewer=unit, assignment_id=lead.id)
    with session_scope() as session, pytest.raises(BadInput):
        lifecycle.respond(session, viewer=unit, assignment_id=lead.id, text="ok", url="javascript:alert(1)")


def test_routing_twice_creates_no_second_assignment(any_db, licheng):
    issue_id = make_routed_issue(licheng)
    with session_scope() as session:
        before = len(repo.assignments_of_issue(session, viewer=ANALYST, issue_id=issue_id))
        issue = session.get(Issue, issue_id)
        route_issue(session, issue=issue, profile=licheng)
    with session_scope() as session:
        assert len(repo.assignments_of_issue(session, viewer=ANALYST, issue_id=issue_id)) == before
        assert len(repo.list_notifications(session)) == before  # one outbox row per assignment, deduplicated
