"""The daily/weekly reports as HTML and DOCX (the compliance figures they show: tests/kernel/test_repo.py)."""

from datetime import timedelta

import pytest
from docx import Document

from flows.reports import write_report
from tests.kernel.test_lifecycle import lead_of, make_routed_issue
from yuqing import lifecycle, repo
from yuqing.clock import to_local
from yuqing.db import session_scope
from yuqing.errors import AccessDenied, BadInput
from yuqing.repo import Viewer
from yuqing.settings import reset_settings_cache


def test_units_cannot_read_compliance(db):
    with session_scope() as session, pytest.raises(AccessDenied):
        repo.compliance_since(session, viewer=Viewer("u", "unit", "kaiyuan"), since=None)


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
