"""The unit's inbox: live countdowns, 签收, progress, the response (text + public URL), 退回 with a reason."""

from sqlmodel import select

from tests.dashboard.conftest import UNIT_A, app_as
from yuqing.db import session_scope
from yuqing.models import Assignment, Event


def _choose(at, assignment_id):
    at.selectbox(key="inbox_choice").set_value(assignment_id).run()
    return at


def _assignment(assignment_id):
    with session_scope() as session:
        return session.get(Assignment, assignment_id)


def test_the_inbox_counts_down_to_each_deadline(board):
    at = app_as("unit_a", "views/inbox.py")
    assert not at.exception
    table = at.dataframe[0].value
    assert board.assignment_a in set(table["交办"])
    assert all(text.startswith("剩余 ") for text in table["签收倒计时"] if text != "已签收")
    assert all(text.startswith(("剩余 ", "已超时 ")) for text in table["答复倒计时"])


def test_sign_report_progress_and_respond(board):
    at = _choose(app_as("unit_a", "views/inbox.py"), board.assignment_a)
    at.button(key="inbox_ack").click().run()
    assert not at.exception and at.success[0].value == "已签收"
    assert _assignment(board.assignment_a).status == "acknowledged"
    _choose(at, board.assignment_a)
    at.text_area(key="inbox_progress_text").input("已派员现场核查")
    at.button(key="inbox_progress_submit").click().run()
    assert _assignment(board.assignment_a).status == "responding"
    _choose(at, board.assignment_a)
    at.text_area(key="inbox_response_text").input("经核查，已责令整改并公开答复。")
    at.text_input(key="inbox_response_url").input("ftp://not-public")
    at.button(key="inbox_respond_submit").click().run()
    assert any("http://" in e.value for e in at.error)  # a clear refusal, nothing stored
    assert _assignment(board.assignment_a).status == "responding"
    at.text_input(key="inbox_response_url").input("https://www.licheng.gov.cn/hd/123")
    at.button(key="inbox_respond_submit").click().run()
    assert not at.exception and "答复已提交" in [s.value for s in at.success]
    done = _assignment(board.assignment_a)
    assert (done.status, done.response_url) == ("responded", "https://www.licheng.gov.cn/hd/123")
    with session_scope() as session:
        kinds = [e.kind for e in session.exec(select(Event).where(Event.assignment_id == board.assignment_a)
                                              .order_by(Event.id)).all()]
    assert kinds[-3:] == ["acknowledged", "progress", "responded"]


def test_return_with_a_reason(board):
    at = _choose(app_as("unit_a", "views/inbox.py"), board.assignment_a)
    at.button(key="inbox_return_submit").click().run()
    assert any("不能为空" in e.value for e in at.error)
    at.text_input(key="inbox_return_reason").input("该路段不属于开元街道辖区")
    at.button(key="inbox_return_submit").click().run()
    assert not at.exception
    returned = _assignment(board.assignment_a)
    assert (returned.status, returned.return_reason) == ("returned", "该路段不属于开元街道辖区")
    assert returned.unit_code == UNIT_A


def test_an_empty_inbox_says_so(board):
    from yuqing import auth

    with session_scope() as session:
        auth.create_user(session, username="unit_c", password="correct-horse-battery", role="unit",
                         unit_code="changtai_nobody")
    at = app_as("unit_c", "views/inbox.py")
    assert not at.exception and any("收件箱是空的" in i.value for i in at.info)
