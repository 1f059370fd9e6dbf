"""A unit sees only its own unit's work: enforced in the queries, so no page, query parameter or
session value gets another unit's issue on screen."""

import pytest

from tests.dashboard.conftest import UNIT_A, UNIT_B, app_as
from yuqing import lifecycle, repo
from yuqing.db import session_scope
from yuqing.errors import AccessDenied, NotFound
from yuqing.repo import Viewer

UNIT = Viewer("unit_a", "unit", UNIT_A)
ANALYST = Viewer("ana", "analyst")


def _title(issue_id):
    with session_scope() as session:
        return repo.get_issue(session, viewer=ANALYST, issue_id=issue_id).title


def test_every_issue_query_refuses_another_units_issue(board):
    with session_scope() as session:
        assert repo.get_issue(session, viewer=UNIT, issue_id=board.issue_a).id == board.issue_a
        for query in (repo.get_issue, repo.issue_posts_with_analysis, repo.assignments_of_issue, repo.timeline,
                      repo.issue_gantt):
            with pytest.raises(NotFound):
                query(session, viewer=UNIT, issue_id=board.issue_b)
        repo.index_issues_for_search(session)
        found, total = repo.search_issues(session, viewer=UNIT, limit=500)
        assert board.issue_b not in {i.id for i in found} and board.issue_a in {i.id for i in found}
        assert total == len(found)
        # asking for another unit's inbox still returns only the unit's own
        rows, _ = repo.unit_inbox(session, viewer=UNIT, unit_code=UNIT_B)
        assert rows and {a.unit_code for a, _ in rows} == {UNIT_A}
        rows, _ = repo.overdue_page(session, viewer=UNIT, unit_code=UNIT_B)
        assert rows == []
        b_assignment = next(a for a in repo.assignments_of_issue(session, viewer=ANALYST, issue_id=board.issue_b)
                            if a.unit_code == UNIT_B)
        with pytest.raises(AccessDenied):
            repo.get_assignment(session, viewer=UNIT, assignment_id=b_assignment.id)
        with pytest.raises(AccessDenied):
            lifecycle.acknowledge(session, viewer=UNIT, assignment_id=b_assignment.id)
        for overview in (repo.dashboard_overview,):
            with pytest.raises(AccessDenied):
                overview(session, viewer=UNIT, day_start=None, day_end=None)
        with pytest.raises(AccessDenied):
            repo.compliance_since(session, viewer=UNIT, since=None)
        with pytest.raises(AccessDenied):
            repo.issue_counts_by(session, viewer=UNIT, field="jurisdiction", since=None)
        with pytest.raises(AccessDenied):
            repo.dead_letters(session, viewer=UNIT)


def _shown(at) -> str:
    parts = [e.value for kind in ("markdown", "text", "caption", "subheader", "title") for e in getattr(at, kind)]
    parts += [e.value.to_csv() for e in at.dataframe]
    return "\n".join(map(str, parts))


def test_the_issue_page_refuses_another_units_issue_by_url_session_or_input(board):
    foreign = _title(board.issue_b)
    # by query parameter
    at = app_as("unit_a")
    at.query_params["issue"] = str(board.issue_b)
    at.switch_page("views/issue.py").run()
    assert not at.exception
    assert any("无权查看" in e.value for e in at.error)
    assert foreign not in _shown(at)
    # by the session value other pages use to open an issue
    at = app_as("unit_a")
    at.session_state["open_issue_id"] = board.issue_b
    at.switch_page("views/issue.py").run()
    assert any("无权查看" in e.value for e in at.error) and foreign not in _shown(at)
    # by typing the number
    at.number_input(key="issue_id_input").set_value(board.issue_b).run()
    assert any("无权查看" in e.value for e in at.error) and foreign not in _shown(at)
    # its own issue opens
    at.number_input(key="issue_id_input").set_value(board.issue_a).run()
    assert not at.error and _title(board.issue_a) in _shown(at)


def test_a_unit_cannot_reach_district_wide_pages(board):
    for page in ("views/overview.py", "views/issues.py", "views/compliance.py", "views/timeline.py",
                 "views/overdue.py", "views/admin_users.py", "views/system.py"):
        at = app_as("unit_a")
        try:
            at.switch_page(page).run()
        except Exception:  # noqa: BLE001 - the page is not in this role's navigation at all
            continue
        assert not at.metric and not at.dataframe, page
    at = app_as("unit_a", "views/inbox.py")
    titles = _shown(at)
    assert _title(board.issue_a) in titles and _title(board.issue_b) not in titles


def test_the_unit_inbox_ignores_a_forged_unit_choice(board):
    at = app_as("unit_a")
    at.session_state["inbox_unit"] = UNIT_B
    at.switch_page("views/inbox.py").run()
    assert _title(board.issue_b) not in _shown(at)


def _shared_issue(board) -> int:
    """issue_a handed also to UNIT_B, with UNIT_B's notification, progress and note in the audit log
    (the notification event names only its assignment, as flows/outbox.py records it)."""
    from flows.stages import route_manually

    with session_scope() as session:
        partner = route_manually(session, viewer=ANALYST, issue_id=board.issue_a, unit_code=UNIT_B, note="协同处置")
        repo.record_event(session, actor="flow:notify", kind="notified", issue_id=board.issue_a,
                          assignment_id=partner.id, note="email → partner-b@example.invalid")
    with session_scope() as session:
        unit_b = Viewer("unit_b", "unit", UNIT_B)
        lifecycle.acknowledge(session, viewer=unit_b, assignment_id=partner.id)
        lifecycle.report_progress(session, viewer=unit_b, assignment_id=partner.id, note="鲤中街道内部进展")
        lifecycle.add_note(session, viewer=unit_b, issue_id=board.issue_a, note="鲤中街道内部备注")
    return partner.id


def test_a_unit_sees_nothing_of_the_partner_units_work_on_a_shared_issue(board):
    partner = _shared_issue(board)
    secrets = ("partner-b@example.invalid", "鲤中街道内部进展", "鲤中街道内部备注", "协同处置")
    with session_scope() as session:
        partner_name = repo.unit_names(session)[UNIT_B]
        events = repo.timeline(session, viewer=UNIT, issue_id=board.issue_a)
        assert all(e.assignment_id in (None, board.assignment_a) or e.unit_code == UNIT_A for e in events)
        assert all(e.unit_code in (None, UNIT_A) for e in events)
        assert partner not in {e.assignment_id for e in events}
        # the issue-level routing decision names the units it chose: a unit reads that it was routed, not to whom
        assert all(partner_name not in (e.note or "") for e in events)
        assert not [e for e in events if e.assignment_id is None and (e.data or {}).get("rule")]
        assert {a.unit_code for a in repo.assignments_of_issue(session, viewer=UNIT, issue_id=board.issue_a)} == {UNIT_A}
        assert {b["lane"] for b in repo.issue_gantt(session, viewer=UNIT, issue_id=board.issue_a)} <= {"事件", UNIT_A}
        # the analyst sees both units' work
        every = repo.timeline(session, viewer=ANALYST, issue_id=board.issue_a)
        assert partner in {e.assignment_id for e in every}
    for page in ("views/issue.py", "views/inbox.py", "views/account.py"):
        at = app_as("unit_a")
        at.session_state["open_issue_id"] = board.issue_a
        at.switch_page(page).run()
        assert not at.exception, page
        shown = _shown(at) + "\n".join(str(m.value) for m in at.metric)
        for secret in (*secrets, partner_name):
            assert secret not in shown, (page, secret)
    at = app_as("ana")
    at.session_state["open_issue_id"] = board.issue_a
    at.switch_page("views/issue.py").run()
    assert "partner-b@example.invalid" in _shown(at) and partner_name in _shown(at)
