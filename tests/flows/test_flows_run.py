"""The Prefect flows themselves, run for real on the session's Prefect API: the pipeline over seeded
posts, then notify, the SLA watch on a fake clock, verification and the reports."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from docx import Document
from sqlmodel import select

from flows.pipeline import pipeline_flow
from flows.response import notify_flow, report_flow, sla_watch_flow, verify_flow
from tests.flows.seed import counts, seed_posts
from tests.flows.test_verify import PAGE, site  # noqa: F401  (fixture: a real local page)
from tests.servers import HttpReceiver
from yuqing import lifecycle, repo
from yuqing.clock import now, to_local
from yuqing.db import session_scope
from yuqing.models import Assignment, Event, Notification
from yuqing.repo import Viewer
from yuqing.settings import reset_settings_cache

pytestmark = pytest.mark.prefect


def clock(monkeypatch, moment):
    monkeypatch.setenv("YUQING_FAKE_NOW", moment.isoformat())
    reset_settings_cache()


def test_pipeline_flow_routes_and_alerts_and_a_second_run_changes_nothing(db, smtp, prefect_harness):
    seed_posts(12)
    summary = pipeline_flow(crawl=False)
    assert "crawl skipped" in summary and "12 new issue(s)" in summary
    first = counts()
    assert first["issues"] == 12 and first["issues_routed"] + first["issues_triage"] == 12
    assert first["sent"] == first["notifications"] == len(smtp.messages) > 0
    subjects = {mail["Subject"] for mail in smtp.messages}
    assert any(s.startswith("【舆情交办·牵头办理】") for s in subjects)

    second_summary = pipeline_flow(crawl=False)
    assert "0 new issue(s)" in second_summary and "routed 0 issue(s)" in second_summary
    assert counts() == first
    assert len(smtp.messages) == first["sent"]


def test_notify_flow_retries_a_receiver_that_comes_back(db, prefect_harness, monkeypatch):
    receiver = HttpReceiver(mode="fail").start()
    try:
        with session_scope() as session:
            repo.enqueue_notification(session, channel="webhook", target=receiver.url + "/hook", subject="【舆情交办】测试",
                                      body="正文", dedupe_key="flow-k1")
        assert "failed 1" in notify_flow()
        receiver.mode = "ok"
        clock(monkeypatch, now() + timedelta(minutes=5))
        assert "sent 1" in notify_flow()
        assert [r.json()["dedupe_key"] for r in receiver.requests] == ["flow-k1"]
    finally:
        receiver.stop()


def test_sla_watch_flow_escalates_on_a_fake_clock_and_delivers(db, smtp, prefect_harness, monkeypatch, licheng):
    start = now()
    clock(monkeypatch, start)
    seed_posts(3)
    pipeline_flow(crawl=False)
    delivered = len(smtp.messages)
    clock(monkeypatch, start + timedelta(hours=25))  # 一般 level: 签收 within 24 h, now overdue
    summary = sla_watch_flow()
    assert "escalation" in summary and "sent" in summary
    with session_scope() as session:
        escalated = session.exec(select(Event).where(Event.kind == "escalated")).all()
        assert escalated and all(e.actor == "flow:sla-watch" for e in escalated)
        heads = {n.target for n in session.exec(select(Notification)).all() if ":escalated:" in n.dedupe_key}
    assert any(target.endswith("-head@example.invalid") for target in heads)
    assert len(smtp.messages) > delivered
    again = sla_watch_flow()
    assert again.startswith("0 reminder(s), 0 escalation(s)")


def test_verify_and_report_flows(db, prefect_harness, site, tmp_path, licheng):  # noqa: F811
    from tests.kernel.test_lifecycle import lead_of, make_routed_issue

    lead = lead_of(make_routed_issue(licheng))
    unit = Viewer("u", "unit", lead.unit_code)
    with session_scope() as session:
        lifecycle.acknowledge(session, viewer=unit, assignment_id=lead.id)
    with session_scope() as session:
        lifecycle.respond(session, viewer=unit, assignment_id=lead.id, url=f"{site}/reply/1",
                          text="经核查，该小区物业公司已于11月20日停止收取临时停车费，并退还已收费用。")
    assert verify_flow().startswith("1 response(s) found published")
    with session_scope() as session:
        assert session.get(Assignment, lead.id).response_verified is True

    today = to_local(now()).date()
    html, docx = (p for p in report_flow(kind="weekly", day=today))
    assert html.endswith(".html") and docx.endswith(".docx")
    assert licheng.units[lead.unit_code].name in Path(html).read_text(encoding="utf-8")
    assert any(paragraph.text for paragraph in Document(docx).paragraphs)


@pytest.mark.slow
def test_pipeline_flow_crawls_a_real_local_site_to_alerts(db, smtp, prefect_harness):
    from crawlers.testsites.board import start_demo_site
    from yuqing.bootstrap import initialise

    with start_demo_site("127.0.0.1", 0, initial=6, release_every=0) as board:
        initialise(demo_url=board.url)
        summary = pipeline_flow(crawl=True, sources=["demo_board", "demo_rss"])
        # the two sources are crawled side by side; whichever stores a message first, it is stored once
        assert "analysed 6 post(s)" in summary and "demo_board:" in summary and "demo_rss:" in summary
        board.release(2)
        summary = pipeline_flow(crawl=True, sources=["demo_board", "demo_rss"])
        assert "analysed 2 post(s)" in summary
    after = counts()
    assert after["posts"] == after["analyses"] == 8
    assert after["sent"] == after["notifications"] == len(smtp.messages)
