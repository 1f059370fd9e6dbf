"""Verification of published responses against a real local web page."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import select

from flows.verify import check_published, verify_responses
from tests.kernel.test_lifecycle import lead_of, make_routed_issue
from yuqing import lifecycle
from yuqing.db import session_scope
from yuqing.models import Assignment, Event
from yuqing.repo import Viewer

PAGE = "<html><body><h1>关于开元街道物业收费问题的答复</h1><p>经核查，该小区物业公司已于11月20日停止收取临时停车费，并退还已收费用。</p></body></html>"


@pytest.fixture
def site():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/reply/1":
                body = PAGE.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def respond(licheng, url, text):
    lead = lead_of(make_routed_issue(licheng))
    unit = Viewer("u", "unit", lead.unit_code)
    with session_scope() as session:
        lifecycle.acknowledge(session, viewer=unit, assignment_id=lead.id)
    with session_scope() as session:
        lifecycle.respond(session, viewer=unit, assignment_id=lead.id, text=text, url=url)
    return lead.id


def test_published_response_is_confirmed_and_logged(db, licheng, site):
    assignment_id = respond(licheng, f"{site}/reply/1", "经核查，该小区物业公司已于11月20日停止收取临时停车费，并退还已收费用。")
    assert verify_responses().published == 1
    with session_scope() as session:
        assert session.get(Assignment, assignment_id).response_verified is True
        event = session.exec(select(Event).where(Event.kind == "verified")).one()
        assert event.data["published"] is True
    assert verify_responses().published == 0  # checked once


def test_missing_page_and_different_text_are_not_published(db, licheng, site):
    respond(licheng, f"{site}/reply/404", "某答复")
    respond(licheng, f"{site}/reply/1", "我们将加强对全区餐饮单位的食品安全检查，发现问题立即整改。")
    report = verify_responses()
    assert report.not_published == 2
    with session_scope() as session:
        notes = [e.note for e in session.exec(select(Event).where(Event.kind == "verified")).all()]
    assert any("HTTP 404" in n for n in notes) and any("未找到" in n for n in notes)


def test_check_published_ignores_markup_and_whitespace():
    assert check_published("<p>经核查，</p>\n<p>已停止收费。</p>", "经核查，已停止收费。")[0]
    assert not check_published("<p>无关内容</p>", "")[0]
