"""Bad input against the local trouble site: broken HTML, truncated responses, 4xx/5xx, endless
and looping pagination, mojibake, a 50 MB page, robots.txt. Each is a logged drop or a counted
error, every good page is stored, and the other sources carry on."""

from __future__ import annotations

import pytest

from crawlers.runner import crawl
from crawlers.testsites.trouble import TroubleSite
from tests.crawlers.helpers import add_source, stored_posts
from yuqing import repo
from yuqing.db import session_scope
from yuqing.settings import get_settings
from yuqing.sources import load_sources

pytestmark = pytest.mark.slow


def board_config(**extra) -> dict:
    specs, _ = load_sources(demo_url="http://x")
    config = next(s for s in specs if s.name == "demo_board").config_dict()
    config.update(download_delay=0, concurrency=8, retries=2, retry_backoff=0.05, **extra)
    return config


@pytest.fixture
def site():
    with TroubleSite() as running:
        yield running


def test_bad_pages_are_dropped_or_counted_and_good_ones_stored(db, site):
    add_source("bad", "board", f"{site.url}/bad/list", board_config())
    result = crawl(["bad"])[0]
    assert result.error is None, result.describe()  # the start page was fine: the source works
    ids = sorted(p.external_id for p in stored_posts("bad"))
    assert ids == ["bad-broken", "bad-ok", "bad-ok2"]  # broken HTML still yields its text
    broken = next(p for p in stored_posts("bad") if p.external_id == "bad-broken")
    assert len(broken.text) > 20
    assert result.dropped == {"empty": 1, "mojibake": 1}
    assert result.errors.get("http_404") == 1 and result.errors.get("http_500") == 1
    assert sum(result.errors.values()) >= 5  # + truncated, 50 MB, robots
    assert site.hits["/bad/msg/error.html"] == 3  # first try + 2 retries, then given up
    assert site.hits["/bad/msg/missing.html"] == 1  # a 404 is not retried
    assert site.hits["/private/msg.html"] == 0  # robots.txt obeyed
    log = (get_settings().data_dir / "crawl" / "bad" / "last.log").read_text(encoding="utf-8")
    assert "Dropped: mojibake:" in log and "Dropped: empty:" in log
    assert "larger than download max size" in log  # the 50 MB page was cancelled, not read
    assert not any(m.user in log for m in site.bad_messages)  # items are never dumped with their raw author
    assert any("contact" in agent for agent in site.agents)
    # a page lost to errors makes the next crawl walk everything again (it may have been a blip)
    from crawlers.state import read_state

    assert read_state(get_settings().data_dir / "crawl" / "bad")["status"] == "interrupted"


def test_endless_and_looping_pagination_stop(db, site):
    add_source("endless", "board", f"{site.url}/endless/list?page=1", board_config(max_pages=4))
    add_source("loop", "board", f"{site.url}/loop/list?page=1", board_config(max_pages=50))
    results = {r.source: r for r in crawl(["endless", "loop"])}
    assert results["endless"].error is None and results["endless"].dropped == {"max_pages": 1}
    assert sorted(k for k in site.hits if k.startswith("/endless/list")) == [
        f"/endless/list?page={n}" for n in range(1, 5)
    ]
    assert results["endless"].stored == 8
    assert results["loop"].dropped == {"pagination_loop": 1}
    assert results["loop"].stored == 4


def test_a_failing_source_is_an_error_and_the_others_carry_on(db, site):
    add_source("down", "board", f"{site.url}/down/list", board_config())
    add_source("refused", "rss", "http://127.0.0.1:9/rss.xml", {"download_delay": 0, "retries": 0})
    add_source("not_a_feed", "rss", f"{site.url}/bad/list", {"download_delay": 0})
    add_source("flaky", "board", f"{site.url}/flaky/list", board_config())
    results = {r.source: r for r in crawl(["down", "refused", "not_a_feed", "flaky"])}
    assert "HTTP 500" in results["down"].error
    assert results["refused"].error and "start page failed" in results["refused"].error
    assert "not an RSS/Atom feed" in results["not_a_feed"].error
    assert results["flaky"].error is None and results["flaky"].stored == 3
    assert all(site.hits[f"/flaky/msg/{i}.html"] == 2 for i in range(3))  # 503 once, retried after back-off
    with session_scope() as session:
        health = {row["name"]: row for row in repo.source_health(session)}
    assert health["down"]["consecutive_failures"] == 1 and "HTTP 500" in health["down"]["last_error"]
    assert health["flaky"]["consecutive_failures"] == 0 and health["flaky"]["last_items"] == 3
    for line in (r.describe() for r in results.values()):
        assert "\n" not in line
