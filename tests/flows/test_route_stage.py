"""Routing as stored: every assignment keeps its rule id and human reason, triage is recorded with its
reason, and a chain of 退回 re-routes without the returning units, all of it in the audit log."""

from __future__ import annotations

from sqlmodel import select

from flows.stages import route_issue, route_manually
from tests.kernel.test_lifecycle import lead_of, make_routed_issue
from yuqing import lifecycle
from yuqing.db import session_scope
from yuqing.models import Assignment, Event, Issue
from yuqing.repo import Viewer

ANALYST = Viewer("ana", "analyst")


def test_each_assignment_stores_its_rule_and_reason(any_db, licheng):
    issue_id = make_routed_issue(licheng, urgency=1, title="学校食堂集体食物中毒", summary="金龙街道某学校多名学生送医",
                                 topic="教育文体", jurisdiction="jinlong", places=["金龙街道"])
    with session_scope() as session:
        rows = session.exec(select(Assignment).where(Assignment.issue_id == issue_id)).all()
        events = {e.assignment_id: e for e in session.exec(select(Event).where(Event.kind == "routed")).all()}
    by_unit = {a.unit_code: a for a in rows}
    assert by_unit["education"].role == "lead" and by_unit["education"].rule_id == "owner:教育文体"
    assert {"propaganda", "gov_office", "jinlong"} <= set(by_unit)
    for assignment in rows:
        assert assignment.reason and assignment.rule_id
        assert events[assignment.id].data["rule"] == assignment.rule_id
        assert events[assignment.id].note == assignment.reason
        assert assignment.ack_due is not None and assignment.info_due is not None  # level 1: 30 min, 5 h


def test_triage_is_recorded_and_an_analyst_routes_from_the_queue(any_db, licheng):
    with session_scope() as session:
        issue = Issue(title="有个问题", summary="不知道找谁", topic="民政", topic_prob=0.3)
        session.add(issue)
        session.flush()
        decision = route_issue(session, issue=issue, profile=licheng)
        issue_id = issue.id
    assert decision.triage
    with session_scope() as session:
        issue = session.get(Issue, issue_id)
        assert issue.needs_triage and "0.30" in issue.triage_reason and issue.status == "new"
        assert session.exec(select(Event).where(Event.kind == "triage")).one().note == issue.triage_reason
        route_manually(session, viewer=ANALYST, issue_id=issue_id, unit_code="civil_affairs", profile=licheng,
                       note="核实为低保问题")
    with session_scope() as session:
        assignment = session.exec(select(Assignment).where(Assignment.issue_id == issue_id)).one()
        assert (assignment.rule_id, assignment.role) == ("manual", "lead") and "核实为低保问题" in assignment.reason
        event = session.exec(select(Event).where(Event.kind == "routed", Event.issue_id == issue_id)).one()
        assert event.actor == "ana"
        assert session.get(Issue, issue_id).needs_triage is False


def test_a_chain_of_returns_reroutes_without_each_returning_unit(any_db, licheng):
    issue_id = make_routed_issue(licheng, title="低保审核慢", summary="海滨街道低保申请", topic="民政",
                                 jurisdiction="haibin", places=["海滨街道"])
    path = []
    for reason in ("属街道职责", "非本街道辖区"):
        lead = lead_of(issue_id)
        path.append(lead.unit_code)
        with session_scope() as session:
            lifecycle.return_assignment(session, viewer=Viewer("u", "unit", lead.unit_code), assignment_id=lead.id,
                                        reason=reason)
        with session_scope() as session:
            route_issue(session, issue=session.get(Issue, issue_id), profile=licheng)
    final = lead_of(issue_id)
    assert path == ["civil_affairs", "haibin"] and final.unit_code == "gov_office" and final.rule_id == "fallback"
    with session_scope() as session:
        events = session.exec(select(Event).where(Event.issue_id == issue_id).order_by(Event.id)).all()
    returns = [(e.unit_code, e.note) for e in events if e.kind == "returned"]
    assert returns == [("civil_affairs", "属街道职责"), ("haibin", "非本街道辖区")]
    assert [e.unit_code for e in events if e.kind in ("routed", "reassigned")][-1] == "gov_office"
