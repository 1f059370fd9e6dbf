"""Closing the loop: when a unit gives the public URL of its response, fetch it and record
whether the response is really published there (an audit event either way)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from parsel import Selector
from sqlmodel import select

from crawlers.parsers.fields import node_text
from flows.tally import Tally
from yuqing import lifecycle
from yuqing.db import session_scope
from yuqing.models import DONE_ASSIGNMENT_STATUSES, Assignment
from yuqing.repo import Viewer

MAX_PAGE_BYTES = 5 * 1024 * 1024
_SPACE = re.compile(r"\s+")


def _plain(markup: str) -> str:
    """The text of a page or of a response (plain text passes through), without any white space."""
    if not markup.strip():
        return ""
    return _SPACE.sub("", node_text(Selector(text=markup).xpath("/html/body")))


def check_published(page_html: str, response_text: str) -> tuple[bool, str]:
    """Pure: is (a distinctive part of) the response text on the page?"""
    page = _plain(page_html)
    wanted = _plain(response_text)
    if not wanted:
        return False, "答复内容为空"
    probes = [wanted[:40], wanted[len(wanted) // 2: len(wanted) // 2 + 40]]
    probes = [p for p in probes if len(p) >= min(10, len(wanted))]
    found = [p for p in probes if p in page]
    if found:
        return True, f"公开页面上找到答复内容（{len(found)}/{len(probes)} 处匹配）"
    return False, "公开页面上未找到答复内容"


def fetch(url: str, *, timeout: float = 10.0) -> tuple[bool, str]:
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=True,
                          headers={"User-Agent": "yuqing-verifier/0.1"}) as response:
            if response.status_code != 200:
                return False, f"HTTP {response.status_code}"
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_PAGE_BYTES:
                    return False, f"页面超过 {MAX_PAGE_BYTES // 1024 // 1024} MB，未检查"
                chunks.append(chunk)
            return True, b"".join(chunks).decode(response.encoding or "utf-8", errors="replace")
    except httpx.HTTPError as exc:
        return False, f"{exc.__class__.__name__}: {exc}"


@dataclass
class VerifyReport(Tally):
    summary = "{published} response(s) found published, {not_published} not (yet)"
    published: int = 0
    not_published: int = 0


def verify_responses(*, limit: int = 100) -> VerifyReport:
    report = VerifyReport()
    viewer = Viewer.system("verify")
    with session_scope() as session:
        pending = session.exec(
            select(Assignment.id, Assignment.response_url, Assignment.response_text)
            .where(Assignment.status.in_(DONE_ASSIGNMENT_STATUSES), Assignment.response_url != None,  # noqa: E711
                   Assignment.response_verified == None)  # noqa: E711
            .limit(limit)
        ).all()
    for assignment_id, url, text in pending:
        ok, page_or_reason = fetch(url)
        published, detail = check_published(page_or_reason, text or "") if ok else (False, page_or_reason)
        with session_scope() as session:
            lifecycle.record_verification(session, viewer=viewer, assignment_id=assignment_id, published=published,
                                          detail=f"{url}: {detail}")
        report.published += published
        report.not_published += not published
    return report
