"""Actions follow the lifecycle: only the moves valid from the current status are offered, a second
identical submit changes nothing and logs nothing (enforced in yuqing.lifecycle), forms clear after
success with the message next to them, and users change their own password."""

import pytest
from sqlmodel import select

from tests.dashboard.conftest import PASSWORD, UNIT_A, UNIT_B, app_as
from yuqing import auth, lifecycle, repo
from yuqing.db import session_scope
from yuqing.errors import AuthError, BadInput, IllegalTransition
from yuqing.models import Event, Issue
from yuqing.repo import Viewer

ANALYST = Viewer("ana", "analyst")
UNIT = Viewer("unit_a", "unit", UNIT_A)


def _events(issue_id, kind):
    with session_scope() as session:
        return session.exec(select(Event).where(Event.issue_id == issue_id, Event.kind == kind)).all()


def _new_issue() -> int:
    with session_scope() as session:
        issue = Issue(title="新发现的事件", summary="开元街道路灯不亮", topic="城乡建设", urgency=3)
        session.add(issue)
        session.flush()
        return issue.id


def _issue_page(issue_id, username="ana"):
    at = app_as(username)
    at.session_state["open_issue_id"] = issue_id
    return at.switch_page("views/issue.py").run()


def _keys(at) -> set[str]:
    return {b.key for b in at.button}


def test_only_moves_valid_from_the_status_are_offered(board):
    at = _issue_page(board.issue_a)  # 已交办
    assert not at.exception
    assert "action_confirm" not in _keys(at)
    assert {"route_submit", "dismiss_submit", "merge_submit", "note_submit"} <= _keys(at)
    with session_scope() as session:
        assert "confirm" not in lifecycle.issue_actions(session.get(Issue, board.issue_a))
        with pytest.raises(IllegalTransition, match="已交办"):
            lifecycle.confirm_issue(session, viewer=ANALYST, issue_id=board.issue_a)
    fresh = _new_issue()
    at = _issue_page(fresh)
    assert "action_confirm" in _keys(at)
    at.button(key="action_confirm").click().run()
    assert not at.exception and "已确认" in [s.value for s in at.success]
    assert "action_confirm" not in _keys(at)  # 已研判: nothing left to confirm
    assert any(t.value == "已确认" for t in at.toast)


def test_a_double_click_changes_nothing_the_second_time(board):
    fresh = _new_issue()
    with session_scope() as session:
        lifecycle.confirm_issue(session, viewer=ANALYST, issue_id=fresh)
    with session_scope() as session:
        lifecycle.confirm_issue(session, viewer=ANALYST, issue_id=fresh)
    assert len(_events(fresh, "confirmed")) == 1
    for _ in range(2):
        with session_scope() as session:
            lifecycle.acknowledge(session, viewer=UNIT, assignment_id=board.assignment_a)
    for _ in range(2):
        with session_scope() as session:
            lifecycle.report_progress(session, viewer=UNIT, assignment_id=board.assignment_a, note="已派员核查")
    for _ in range(2):
        with session_scope() as session:
            lifecycle.respond(session, viewer=UNIT, assignment_id=board.assignment_a, text="已整改", url="")
        with session_scope() as session:
            lifecycle.add_note(session, viewer=ANALYST, issue_id=board.issue_a, note="同一条备注")
        with session_scope() as session:
            lifecycle.dismiss_issue(session, viewer=ANALYST, issue_id=fresh, reason="重复")
    for kind in ("acknowledged", "progress", "responded", "note"):
        assert len([e for e in _events(board.issue_a, kind) if e.actor in ("unit_a", "ana")]) == 1, kind
    assert len(_events(fresh, "dismissed")) == 1
    # the same hand-over twice: one audit row, one notification
    from flows.stages import route_manually

    for _ in range(2):
        with session_scope() as session:
            route_manually(session, viewer=ANALYST, issue_id=board.issue_b, unit_code=UNIT_B, note="再次交办")
    assert len([e for e in _events(board.issue_b, "reassigned") if e.actor == "ana"]) == 1


def test_a_double_submitted_note_is_one_note_and_the_form_clears(board):
    at = _issue_page(board.issue_a)
    at.text_area(key="note_text").input("已电话联系街道，核实中")
    at.button(key="note_submit").click().run()
    assert not at.exception and "备注已添加" in [s.value for s in at.success]
    assert at.text_area(key="note_text").value == ""  # nothing left to send twice
    at.text_area(key="note_text").input("已电话联系街道，核实中")
    at.button(key="note_submit").click().run()
    assert [e.note for e in _events(board.issue_a, "note")] == ["已电话联系街道，核实中"]


def test_the_unit_signs_once_however_often_it_clicks(board):
    at = app_as("unit_a", "views/inbox.py")
    at.selectbox(key="inbox_choice").set_value(board.assignment_a).run()
    at.button(key="inbox_ack").click().run()
    with session_scope() as session:
        lifecycle.acknowledge(session, viewer=UNIT, assignment_id=board.assignment_a)  # the second click's request
    assert len([e for e in _events(board.issue_a, "acknowledged")]) == 1


def test_users_change_their_own_password(board):
    at = app_as("unit_a", "views/account.py")

    def change(current, new, repeat):
        at.text_input(key="password_current").input(current)
        at.text_input(key="password_new").input(new)
        at.text_input(key="password_repeat").input(repeat)
        return at.button(key="password_submit").click().run()

    change("wrong-password-1", "a-new-secret-2026", "a-new-secret-2026")
    assert any("当前密码不正确" in e.value for e in at.error)
    change(PASSWORD, "a-new-secret-2026", "another-secret-2026")
    assert any("两次输入的新密码不一致" in e.value for e in at.error)
    change(PASSWORD, "short", "short")
    assert any("至少需要" in e.value for e in at.error)
    change(PASSWORD, "a-new-secret-2026", "a-new-secret-2026")
    assert not at.exception and any("密码已修改" in s.value for s in at.success)
    assert at.text_input(key="password_current").value == ""
    with session_scope() as session:
        assert auth.authenticate(session, username="unit_a", password="a-new-secret-2026").username == "unit_a"
    with session_scope() as session, pytest.raises(AuthError):
        auth.authenticate(session, username="unit_a", password=PASSWORD)


def test_the_password_policy_is_one_rule(board):
    for weak in ("short", " padded-password ", "aaaaaaaaaaaa"):
        with pytest.raises(BadInput):
            auth.check_password_policy(weak)
    with session_scope() as session, pytest.raises(BadInput):
        auth.reset_password(session, username="ana", password="aaaaaaaaaaaa")
    with session_scope() as session:
        assert repo.get_user(session, username="ana")
