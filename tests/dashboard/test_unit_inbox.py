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
    # none passed yet; those due within two hours lead with the amber mark
    assert all(text.removeprefix("🟠 ").startswith(("签收 剩余 ", "答复 剩余 ")) for text in table["下一时限"])


def _set_due(assignment_id, **dues):
    with session_scope() as session:
        assignment = session.get(Assignment, assignment_id)
        for name, value in dues.items():
            setattr(assignment, name, value)
        session.add(assignment)


def test_the_inbox_is_sorted_by_the_next_deadline_and_coloured(board):
    from datetime import timedelta

    from yuqing.clock import now

    at = app_as("unit_a", "views/inbox.py")
    ids = list(at.dataframe[0].value["交办"])
    assert len(ids) >= 2
    first, last = ids[0], ids[-1]
    moment = now()
    # the last one: unsigned, its 签收 due in 21 minutes, its answer in 2 days → first, amber
    _set_due(last, ack_due=moment + timedelta(minutes=21), response_due=moment + timedelta(days=2))
    # the first one: its 签收 passed an hour ago → red, and the most urgent of all
    _set_due(first, ack_due=moment - timedelta(hours=1), response_due=moment + timedelta(hours=1, minutes=51))
    at.run()
    table = at.dataframe[0].value
    assert list(table["交办"])[:2] == [first, last]
    # marked red and amber
    assert table["下一时限"].iloc[0].startswith("🔴 签收 已超时") and table["下一时限"].iloc[1].startswith("🟠 签收 剩余 2")


def test_clicking_a_row_picks_the_assignment_to_work_on(board):
    at = app_as("unit_a", "views/inbox.py")
    ids = list(at.dataframe[0].value["交办"])
    row = ids.index(board.assignment_a)
    other = next(i for i in ids if i != board.assignment_a) if len(ids) > 1 else None
    if other is not None:
        _choose(at, other)
    at.session_state["inbox_table"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception and at.selectbox(key="inbox_choice").value == board.assignment_a


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
