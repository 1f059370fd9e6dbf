"""Per-source health: recorded after every crawl, visible through repo.source_health, and raised
as an alert (outbox) when a source keeps failing or went silent — once per episode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from crawlers.health import raise_health_alerts, source_problems
from crawlers.runner import crawl
from tests.crawlers.helpers import add_source
from yuqing import repo
from yuqing.db import session_scope
from yuqing.models import Notification

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def row(**overrides) -> dict:
    base = {
        "name": "feed", "kind": "rss", "url": "http://x/", "owner_unit": None, "enabled": True,
        "last_run_at": NOW, "last_ok_at": NOW, "last_error_at": None, "last_error": None,
        "consecutive_failures": 0, "last_items": 3, "total_items": 30, "last_new_post_at": NOW - timedelta(hours=1),
        "hours_since_new_post": 1.0, "silent_after_hours": 48.0, "max_failures": 3,
    }
    return {**base, **overrides}


def test_problems_failing_silent_and_healthy():
    rows = [
        row(name="healthy"),
        row(name="failing", consecutive_failures=3, last_error="HTTP 500", last_ok_at=NOW - timedelta(days=1)),
        row(name="almost", consecutive_failures=2),
        row(name="silent", hours_since_new_post=72.0, last_new_post_at=NOW - timedelta(hours=72)),
        row(name="off", enabled=False, consecutive_failures=9),
        row(name="never_ran", last_ok_at=None, hours_since_new_post=None),
    ]
    problems = {p.source: p for p in source_problems(rows, at=NOW)}
    assert set(problems) == {"failing", "silent"}
    assert problems["failing"].kind == "failing" and "连续 3 次采集失败" in problems["failing"].message
    assert "HTTP 500" in problems["failing"].message
    assert problems["silent"].kind == "silent" and "72 小时没有新内容" in problems["silent"].message


@pytest.mark.slow
def test_a_source_that_keeps_failing_is_alerted_once_per_episode(db):
    add_source("broken_feed", "rss", "http://127.0.0.1:9/rss.xml",
               {"download_delay": 0, "retries": 0, "max_failures": 2}, owner_unit="gov_office")
    first = crawl(["broken_feed"])[0]
    assert first.error
    with session_scope() as session:
        assert session.exec(select(Notification)).all() == []  # one failure is not yet a problem
    crawl(["broken_feed"])
    with session_scope() as session:
        health = {r["name"]: r for r in repo.source_health(session)}["broken_feed"]
        alerts = session.exec(select(Notification)).all()
    assert health["consecutive_failures"] == 2 and health["last_ok_at"] is None
    assert "Connection refused" in health["last_error"]
    assert {a.target for a in alerts} >= {"xcb@example.invalid"}  # 区委宣传部 watches the sources
    assert all("【信息源告警】broken_feed" == a.subject and "连续 2 次采集失败" in a.body for a in alerts)
    count = len(alerts)
    assert raise_health_alerts() == 0  # the same episode is not announced twice
    from click.testing import CliRunner

    from cli.main import main

    shown = CliRunner().invoke(main, ["sources"])
    assert shown.exit_code == 0, shown.output
    assert "broken_feed" in shown.output and "告警 failing" in shown.output and "Connection refused" in shown.output
    with session_scope() as session:
        assert len(session.exec(select(Notification)).all()) == count
