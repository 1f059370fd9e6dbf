"""The analysts' pages: overview, issue list with Chinese full-text search, the issue page and its
actions (each an audit event; label corrections also kept as training feedback)."""

from sqlmodel import select

from tests.dashboard.conftest import UNIT_B, app_as
from yuqing import repo
from yuqing.db import session_scope
from yuqing.models import Event, Issue, LabelFeedback
from yuqing.repo import Viewer

ANALYST = Viewer("ana", "analyst")


def _frame(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _events(issue_id, kind):
    with session_scope() as session:
        return session.exec(select(Event).where(Event.issue_id == issue_id, Event.kind == kind)).all()


def test_overview_counts_the_ranges_posts_and_issues(board):
    at = app_as("ana", "views/overview.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    with session_scope() as session:
        issues = len(repo.search_issues(session, viewer=ANALYST, limit=500)[0])
    assert metrics["新帖"] == "25"
    assert metrics["新事件"] == str(issues)
    # 25 new issues in a day against an empty week is a spike
    assert any("近24小时新事件" in d.value.columns for d in at.dataframe)
    assert len(at.get("vega_lite_chart")) == 4


def test_the_overview_of_an_empty_database_says_so(db):
    from yuqing import auth

    with session_scope() as session:
        auth.create_user(session, username="ana", password="correct-horse-battery", role="analyst")
    at = app_as("ana", "views/overview.py")
    assert not at.exception
    assert {m.value for m in at.metric} <= {"0", "—"}
    assert any("还没有事件" in i.value for i in at.info) and any("还没有帖子" in i.value for i in at.info)


def test_issue_list_searches_chinese_text_and_filters(board):
    at = app_as("ana", "views/issues.py")
    assert not at.exception and at.dataframe
    at.text_input(key="issues_query").input("噪音扰民")
    at.button(key="issues_search").click().run()
    found = set(at.dataframe[0].value["编号"])
    assert board.hostile in found
    with session_scope() as session:
        for issue_id in found:
            issue = session.get(Issue, int(issue_id))
            assert "噪音" in issue.title + issue.summary and "扰民" in issue.title + issue.summary
        every = repo.search_issues(session, viewer=ANALYST, limit=500)[0]
    assert found == {i.id for i in every if "噪音" in i.title + i.summary and "扰民" in i.title + i.summary}
    at.text_input(key="issues_query").input("")
    at.multiselect(key="issues_urgency").set_value([2])
    at.button(key="issues_search").click().run()
    assert list(at.dataframe[0].value["编号"]) == [board.hostile]
    at.text_input(key="issues_query").input("完全不会出现的词语组合氪星")
    at.button(key="issues_search").click().run()
    assert not at.dataframe and any("没有符合条件" in i.value for i in at.info)


def test_opening_an_issue_from_the_list_by_clicking_its_row(board):
    at = app_as("ana", "views/issues.py")
    row = list(at.dataframe[0].value["编号"]).index(board.issue_a)
    assert not [s for s in at.selectbox if s.key == "issues_open_choice"] and at.button(key="issues_search") is not None
    at.session_state["issues_table"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.title[0].value == "事件详情" and at.subheader[0].value == f"事件 #{board.issue_a}"


def _issue_page(board, issue_id):
    at = app_as("ana")
    at.session_state["open_issue_id"] = issue_id
    return at.switch_page("views/issue.py").run()


def test_the_issue_page_explains_the_model_and_the_routing(board):
    at = _issue_page(board, board.hostile)
    assert not at.exception
    texts = "\n".join(t.value for t in at.text)
    assert "持续一周" in texts and "夜间施工" in texts  # the urgency signals that fired
    assert "城乡建设 / 噪音扰民（概率 0.88）" in texts
    analyses = _frame(at, "模型版本")
    assert set(analyses["模型版本"]) == {"test-fixed-labels"}
    routing = _frame(at, "理由")
    assert "分析员 ana 指定" in set(routing["理由"])
    events = _frame(at, "操作")
    assert {"生成事件", "交办"} <= set(events["操作"])


def test_confirm_correct_note_and_dismiss_are_audit_events(board):
    with session_scope() as session:  # 确认 is offered on a new issue only (tests/dashboard/test_actions.py)
        session.exec(select(Issue).where(Issue.id == board.issue_a)).one().status = "new"
    at = _issue_page(board, board.issue_a)
    at.button(key="action_confirm").click().run()
    assert not at.exception and at.success[0].value == "已确认"
    assert len(_events(board.issue_a, "confirmed")) == 1
    at.text_input(key="correct_topic").input("交通运输")
    at.selectbox(key="correct_urgency").set_value(2)
    at.button(key="correct_submit").click().run()
    assert at.success[0].value == "标签已修正"
    with session_scope() as session:
        feedback = session.exec(select(LabelFeedback).where(LabelFeedback.issue_id == board.issue_a)).all()
        issue = session.get(Issue, board.issue_a)
    assert {(f.field, f.new_value, f.actor) for f in feedback} >= {("topic", "交通运输", "ana"), ("urgency", "2", "ana")}
    assert all(f.model_version == "test-fixed-labels" and f.text for f in feedback)
    assert (issue.topic, issue.urgency) == ("交通运输", 2)
    assert _events(board.issue_a, "edited")[-1].data["corrections"]["topic"]["to"] == "交通运输"
    at.text_area(key="note_text").input("已电话联系街道，核实中")
    at.button(key="note_submit").click().run()
    assert _events(board.issue_a, "note")[0].note == "已电话联系街道，核实中"
    at.button(key="dismiss_submit").click().run()  # no reason: refused with a clear message
    assert any("不能为空" in e.value for e in at.error)
    at.text_input(key="dismiss_reason").input("重复上报，已另案处理")
    at.button(key="dismiss_submit").click().run()
    with session_scope() as session:
        assert session.get(Issue, board.issue_a).status == "dismissed"
    assert _events(board.issue_a, "dismissed")[0].note == "重复上报，已另案处理"


def test_merge_moves_posts_and_records_both_sides(board):
    with session_scope() as session:
        before = repo.issue_post_stats(session, issue_id=board.issue_b)["posts"]
        moving = repo.issue_post_stats(session, issue_id=board.issue_a)["posts"]
    at = _issue_page(board, board.issue_a)
    at.number_input(key="merge_into").set_value(board.issue_b)
    at.button(key="merge_submit").click().run()
    assert not at.exception and not at.error
    with session_scope() as session:
        source, target = session.get(Issue, board.issue_a), session.get(Issue, board.issue_b)
        assert (source.status, source.merged_into_id) == ("merged", board.issue_b)
        assert repo.issue_post_stats(session, issue_id=board.issue_b)["posts"] == before + moving == target.post_count
    assert _events(board.issue_a, "merged")[0].data == {"into": board.issue_b}
    assert _events(board.issue_b, "merged")[0].data == {"from": board.issue_a}
    assert "merge_submit" not in {b.key for b in at.button}  # merged: no action is left to offer
    assert any("没有可执行的操作" in i.value for i in at.info)
    from yuqing.analyst import merge_issue

    with session_scope() as session:  # a second identical request changes nothing
        merge_issue(session, viewer=ANALYST, issue_id=board.issue_a, into_id=board.issue_b)
    assert len(_events(board.issue_a, "merged")) == 1


def test_route_and_reroute_from_the_issue_page(board):
    at = _issue_page(board, board.issue_a)
    at.selectbox(key="route_unit").set_value(UNIT_B)
    at.text_input(key="route_note").input("涉及鲤中辖区")
    at.button(key="route_submit").click().run()
    assert not at.exception and "已交办给" in at.success[0].value
    with session_scope() as session:
        units = {a.unit_code for a in repo.assignments_of_issue(session, viewer=ANALYST, issue_id=board.issue_a)}
    assert UNIT_B in units
    routed = [e for e in _events(board.issue_a, "routed") if e.unit_code == UNIT_B]
    assert routed and "涉及鲤中辖区" in routed[0].note and routed[0].actor == "ana"
    at.button(key="route_auto").click().run()
    assert not at.exception


def test_supervisors_read_issue_pages_without_actions(board):
    at = app_as("sup")
    at.session_state["open_issue_id"] = board.issue_a
    at.switch_page("views/issue.py").run()
    assert not at.exception and at.dataframe
    assert not [b for b in at.button if b.key in ("action_confirm", "note_submit", "route_submit")]
