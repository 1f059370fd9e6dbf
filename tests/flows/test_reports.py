"""Compliance figures on a known fixture, and the daily/weekly reports as HTML and DOCX."""

from datetime import UTC, datetime, timedelta

import pytest
from docx import Document

from flows.reports import write_report
from tests.kernel.test_lifecycle import lead_of, make_routed_issue
from yuqing import lifecycle, repo
from yuqing.clock import to_local
from yuqing.compliance import compute_compliance
from yuqing.db import session_scope
from yuqing.errors import AccessDenied, BadInput
from yuqing.models import Assignment
from yuqing.repo import Viewer
from yuqing.settings import reset_settings_cache

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def assignment(unit, status, *, ack_h=None, resp_h=None, due_h=48):
    return Assignment(issue_id=1, unit_code=unit, rule_id="r", status=status, created_at=T0,
                      ack_due=T0 + timedelta(hours=24), response_due=T0 + timedelta(hours=due_h),
                      acknowledged_at=T0 + timedelta(hours=ack_h) if ack_h is not None else None,
                      responded_at=T0 + timedelta(hours=resp_h) if resp_h is not None else None)


def test_on_time_rate_counts_open_overdue_work_against_the_unit():
    rows = compute_compliance(
        [assignment("a", "closed", ack_h=1, resp_h=10),  # on time
         assignment("a", "responded", ack_h=3, resp_h=60),  # late
         assignment("a", "acknowledged", ack_h=2),  # open, overdue at T0+72h
         assignment("a", "notified"),  # open, 签收 overdue too
         assignment("a", "returned"),
         assignment("b", "notified", due_h=100)],  # open, 签收 overdue at 72 h
        at=T0 + timedelta(hours=72), escalations={"a": 2},
    )
    a, b = rows
    assert (a.done, a.done_on_time, a.open_overdue, a.returned, a.escalated) == (2, 1, 2, 1, 2)
    assert a.on_time_rate == pytest.approx(1 / 4)
    assert a.median_hours_to_sign == 2 and a.median_hours_to_respond == 35
    assert b.on_time_rate == 0.0 and b.median_hours_to_sign is None


def test_units_cannot_read_compliance(db):
    with session_scope() as session, pytest.raises(AccessDenied):
        repo.unit_compliance(session, viewer=Viewer("u", "unit", "kaiyuan"))


def test_reports_are_written_as_html_and_docx_with_untrusted_text_escaped(db, licheng, tmp_path, monkeypatch):
    issue_id = make_routed_issue(licheng, title="<script>alert(1)</script>物业乱收费")
    lead = lead_of(issue_id)
    with session_scope() as session:
        lifecycle.acknowledge(session, viewer=Viewer("u", "unit", lead.unit_code), assignment_id=lead.id)
    today = to_local(lead.created_at).date()
    html_path, docx_path = write_report("daily", today, tmp_path)
    page = html_path.read_text(encoding="utf-8")
    assert "舆情日报" in page and "&lt;script&gt;" in page and "<script>" not in page
    assert "新增事件 1 件" in page
    monkeypatch.setenv("YUQING_FAKE_NOW", (lead.created_at + timedelta(days=3)).isoformat())
    reset_settings_cache()
    html_path, docx_path = write_report("weekly", today, tmp_path)
    text = "\n".join(cell.text for table in Document(str(docx_path)).tables for row in table.rows for cell in row.cells)
    assert licheng.units[lead.unit_code].name in text
    assert "0%" in text  # the lead unit signed for it but never answered: overdue, 0 % on time


def test_unknown_kind_and_unwritable_folder_are_clear_errors(db, tmp_path):
    with pytest.raises(BadInput, match="unknown report kind"):
        write_report("monthly", out_dir=tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(BadInput, match="cannot write the report"):
        write_report("daily", out_dir=blocker / "sub")
