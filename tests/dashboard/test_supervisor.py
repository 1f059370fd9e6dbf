"""Supervisors: per-unit compliance, the Gantt-like timeline replayed from the audit log, the
overdue list, exports safe from formula injection, the weekly report."""

import io
from datetime import timedelta

import pandas as pd
from openpyxl import load_workbook
from sqlmodel import select

from dashboard.export import safe_cell, to_csv, to_xlsx
from tests.dashboard.conftest import UNIT_A, app_as
from yuqing import lifecycle, repo
from yuqing.clock import now, to_local
from yuqing.db import session_scope
from yuqing.models import OPEN_ASSIGNMENT_STATUSES
from yuqing.repo import Viewer
from yuqing.settings import reset_settings_cache

UNIT = Viewer("unit_a", "unit", UNIT_A)


def test_compliance_table_per_unit(board):
    with session_scope() as session:
        lifecycle.acknowledge(session, viewer=UNIT, assignment_id=board.assignment_a)
        lifecycle.respond(session, viewer=UNIT, assignment_id=board.assignment_a, text="已答复", url="")
    at = app_as("sup", "views/compliance.py")
    assert not at.exception
    table = at.dataframe[0].value.set_index("单位")
    with session_scope() as session:
        name = repo.unit_names(session)[UNIT_A]
    row = table.loc[name]
    assert row["已答复"] == 1 and row["按时答复"] == 1 and row["按时率(%)"] == "100.0" and row["判定件数"] == 1
    assert row["签收中位时长(小时)"] != "—"
    assert "None" not in at.dataframe[0].value.astype(str).to_numpy()
    assert len(at.get("download_button")) == 2


def test_one_answer_and_many_open_items_do_not_look_perfect(board):
    """The housing bureau case: 1 answered on time and the rest open, not yet due → 按时率 100 % of
    1 judged, 办结率 low, and the ranking puts a rate judged on 1 item below the same rate on more."""
    with session_scope() as session:
        lifecycle.acknowledge(session, viewer=UNIT, assignment_id=board.assignment_a)
        lifecycle.respond(session, viewer=UNIT, assignment_id=board.assignment_a, text="已答复", url="")
        rows = {r.unit_code: r for r in repo.compliance_since(session, viewer=Viewer("sup", "supervisor"), since=None)}
    mine = rows[UNIT_A]
    assert mine.done == 1 and mine.open_pending == mine.assignments - 1 - mine.returned - mine.open_overdue
    assert mine.on_time_rate == 1.0 and mine.rate_basis == 1
    assert mine.closure_rate == 1 / (mine.assignments - mine.returned) < 1
    at = app_as("sup", "views/compliance.py")
    assert not at.exception
    table = at.dataframe[0].value.set_index("单位")
    with session_scope() as session:
        name = repo.unit_names(session)[UNIT_A]
    assert float(table.loc[name, "办结率(%)"]) < 100 and table.loc[name, "在办未超期"] == mine.open_pending
    chart = at.get("vega_lite_chart")[0].proto
    data = b"".join(d.data.data for d in chart.datasets) + chart.data.data
    assert name.encode() in data and f"按时 1/1 件 · 已答复 1 · 在办 {mine.open_pending}".encode() in data
    assert "按时率排名" in at.subheader[0].value


def test_the_ranking_is_sorted_worst_first(board, monkeypatch):
    with session_scope() as session:
        lifecycle.acknowledge(session, viewer=UNIT, assignment_id=board.assignment_a)
        lifecycle.respond(session, viewer=UNIT, assignment_id=board.assignment_a, text="已答复", url="")
    monkeypatch.setenv("YUQING_FAKE_NOW", (now() + timedelta(days=4)).isoformat())
    reset_settings_cache()
    at = app_as("sup", "views/compliance.py")
    rates = [float(r) for r in at.dataframe[0].value["按时率(%)"] if r != "—"]
    assert rates == sorted(rates) and rates[0] < rates[-1]


def test_the_timeline_follows_the_audit_log(board):
    at = app_as("sup", "views/timeline.py")
    at.selectbox(key="timeline_issue").set_value(board.issue_a).run()
    assert not at.exception
    stages = list(at.dataframe[0].value["阶段"])
    assert "待签收" in stages and "办理中" not in stages
    with session_scope() as session:
        lifecycle.acknowledge(session, viewer=UNIT, assignment_id=board.assignment_a)
    at.run()
    bars = at.dataframe[0].value
    assert "办理中" in list(bars["阶段"])
    assert "签收" in list(at.dataframe[1].value["操作"])


def test_the_overdue_list_matches_the_compliance_rule(board, monkeypatch):
    at = app_as("sup", "views/overdue.py")
    assert any("没有超期" in s.value for s in at.success)
    later = now() + timedelta(days=4)
    monkeypatch.setenv("YUQING_FAKE_NOW", later.isoformat())
    reset_settings_cache()
    at.run()
    assert not at.exception
    first = at.dataframe[0].value
    table = first
    while at.number_input and (page := at.number_input(key="overdue_page")).value < page.max:  # every page
        at.number_input(key="overdue_page").set_value(page.value + 1).run()
        table = pd.concat([table, at.dataframe[0].value], ignore_index=True)
    listed = set(table["交办"])
    assert len(listed) == len(table)
    with session_scope() as session:
        every = repo.list_assignments(session, viewer=Viewer("sup", "supervisor"), limit=10_000)
    # by hand: still open, and unsigned past the sign-for deadline or past the response deadline
    expected = {a.id for a in every if a.status in OPEN_ASSIGNMENT_STATUSES and (
        (a.acknowledged_at is None and a.ack_due and a.ack_due < later) or (a.response_due or a.press_due or later) < later)}
    assert listed == expected and board.assignment_a in listed
    # most overdue first, in red; a click opens the issue
    missed = {a.id: a.ack_due if a.acknowledged_at is None and a.ack_due else a.response_due for a in every}
    assert [missed[i] for i in table["交办"]] == sorted(missed[i] for i in table["交办"])
    assert all(text.startswith(("🔴 签收已超时", "🔴 答复已超时")) for text in table["超时"])
    clicked = at.dataframe[0].value["事件"].iloc[0]  # the first row of the page shown
    at.session_state["overdue_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert at.title[0].value == "事件详情" and at.subheader[0].value == f"事件 #{clicked}"


def test_the_overdue_list_pages_through_many_items(board, monkeypatch):
    """More overdue items than a page: 50 a page, a page number to go on, exports of the whole list
    (not the page), and a page past the end (items done meanwhile) shows the last page instead of
    「没有超期」."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    from yuqing.models import Assignment, AssignmentStatus, Issue

    exports = {}  # a download's bytes are made on click: keep the page's callables to call them here
    register = MediaFileManager.add_deferred
    monkeypatch.setattr(MediaFileManager, "add_deferred", lambda self, data, mimetype, coordinates, file_name=None, **kw:
                        exports.__setitem__(file_name, data) or register(self, data, mimetype, coordinates, file_name, **kw))

    long_ago = now() - timedelta(days=10)
    with session_scope() as session:
        for n in range(60):
            issue = Issue(title=f"超期分页{n}", summary="", first_seen_at=long_ago, last_seen_at=long_ago)
            session.add(issue)
            session.flush()
            session.add(Assignment(issue_id=issue.id, unit_code=UNIT_A, role="lead", rule_id="r", created_at=long_ago,
                                   status=AssignmentStatus.NOTIFIED, ack_due=long_ago + timedelta(hours=n),
                                   response_due=long_ago + timedelta(days=2)))
    at = app_as("sup", "views/overdue.py")
    assert not at.exception
    first = at.dataframe[0].value
    assert len(first) == 50 and "共 60 项超期" in at.caption[0].value and "第 1 / 2 页" in at.caption[0].value
    at.number_input(key="overdue_page").set_value(2).run()
    second = at.dataframe[0].value
    assert len(second) == 10 and not set(second["交办"]) & set(first["交办"])
    exported = pd.read_csv(io.BytesIO(exports["overdue.csv"]()), encoding="utf-8-sig")
    assert list(exported["交办"]) == [*first["交办"], *second["交办"]]
    assert len(load_workbook(io.BytesIO(exports["overdue.xlsx"]())).active["A"]) == 61  # a header and 60 rows
    with session_scope() as session:  # 20 of them answered meanwhile: one page is left
        for assignment in session.exec(select(Assignment).where(Assignment.unit_code == UNIT_A,
                                                                Assignment.created_at == long_ago).limit(20)):
            assignment.status = AssignmentStatus.RESPONDED
            session.add(assignment)
    at.run()
    assert not at.exception and not at.success
    assert len(at.dataframe[0].value) == 40 and "第 1 / 1 页" in at.caption[0].value


def test_exports_defuse_formulas():
    assert [safe_cell(v) for v in ("=HYPERLINK(\"x\")", "+1", "-1", "@SUM(A1)", "正常", 3)] == [
        "'=HYPERLINK(\"x\")", "'+1", "'-1", "'@SUM(A1)", "正常", 3]
    header, rows = ["单位", "说明"], [["开元街道办事处", "=cmd|' /C calc'!A0"], ["@evil", 5]]
    text = to_csv(header, rows).decode("utf-8-sig")
    assert "'=cmd" in text and "'@evil" in text and "\n=cmd" not in text
    sheet = load_workbook(io.BytesIO(to_xlsx(header, rows))).active
    assert sheet["B2"].value == "'=cmd|' /C calc'!A0" and sheet["A3"].value == "'@evil" and sheet["B3"].value == 5
    assert sheet["A2"].data_type == "s" and sheet["B2"].data_type == "s"


def test_weekly_report_page(board):
    at = app_as("sup", "views/weekly.py")
    # by default the 7 days ending today: the board's assignments of today are in it (a Monday is not empty)
    assert at.date_input(key="weekly_date").value == to_local(now()).date()
    assert not at.exception
    assert "舆情回应督查周报" in at.subheader[0].value
    assert at.dataframe and len(at.get("download_button")) == 2
