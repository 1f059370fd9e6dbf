"""Supervisors: per-unit compliance, the Gantt-like timeline replayed from the audit log, the
overdue list, exports safe from formula injection, the weekly report."""

import io
from datetime import timedelta

from openpyxl import load_workbook

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
    assert row["已答复"] == 1 and row["按时答复"] == 1 and row["按时率(%)"] == 100.0
    assert row["签收中位时长(小时)"] is not None
    assert len(at.get("download_button")) == 2


def test_the_timeline_follows_the_audit_log(board):
    at = app_as("sup", "views/timeline.py")
    at.number_input(key="timeline_issue").set_value(board.issue_a).run()
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
    listed = set(at.dataframe[0].value["交办"])
    with session_scope() as session:
        every = repo.list_assignments(session, viewer=Viewer("sup", "supervisor"), limit=10_000)
    # by hand: still open, and unsigned past the sign-for deadline or past the response deadline
    expected = {a.id for a in every if a.status in OPEN_ASSIGNMENT_STATUSES and (
        (a.acknowledged_at is None and a.ack_due and a.ack_due < later) or (a.response_due or a.press_due or later) < later)}
    assert listed == expected and board.assignment_a in listed


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
    at.date_input(key="weekly_date").set_value(to_local(now()).date()).run()
    assert not at.exception
    assert "舆情回应督查周报" in at.subheader[0].value
    assert at.dataframe and len(at.get("download_button")) == 2
