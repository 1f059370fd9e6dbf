"""Polite by default: robots.txt, AutoThrottle, per-domain concurrency, a User-Agent with a
contact, retries with back-off, limits on page size and depth; no remote control."""

from __future__ import annotations

import pytest

from crawlers.runner import crawl
from crawlers.settings import build_settings
from crawlers.testsites.trouble import TroubleSite
from tests.crawlers.helpers import add_source
from yuqing.sources import SourceSpec


def test_defaults_of_a_source_are_polite(settings_env):
    spec = SourceSpec(name="feed", kind="rss", url="https://news.example/rss.xml")
    settings = build_settings(
        {"name": spec.name, "kind": spec.kind, "url": spec.url, "config": spec.config_dict()},
        user_agent=settings_env.crawl_user_agent, max_page_bytes=settings_env.crawl_max_page_bytes, jobdir=None,
    )
    assert settings["ROBOTSTXT_OBEY"] is True
    assert settings["AUTOTHROTTLE_ENABLED"] is True
    assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 4
    assert settings["DOWNLOAD_DELAY"] == 0.25
    assert "contact" in settings["USER_AGENT"]
    assert settings["RETRY_TIMES"] == 3 and settings["YUQING_RETRY_BACKOFF_BASE"] == 1.0
    assert settings["DOWNLOADER_MIDDLEWARES"]["crawlers.middlewares.BackoffRetryMiddleware"]
    assert settings["DOWNLOADER_MIDDLEWARES"]["scrapy.downloadermiddlewares.retry.RetryMiddleware"] is None
    assert settings["DOWNLOAD_MAXSIZE"] == 10 * 1024 * 1024
    assert settings["DEPTH_LIMIT"] == 5 + 50 and settings["CLOSESPIDER_ITEMCOUNT"] == 5000
    assert settings["REMOTE_CONTROL_ENABLED"] is False and settings["TELNETCONSOLE_ENABLED"] is False


def test_backoff_doubles_and_honours_retry_after():
    from scrapy import Request
    from scrapy.http import Response
    from scrapy.settings import Settings

    from crawlers.middlewares import BackoffRetryMiddleware
    from crawlers.settings import defaults

    middleware = BackoffRetryMiddleware(Settings({**defaults(), "YUQING_RETRY_BACKOFF_BASE": 2.0}))
    delays = [middleware.backoff(Request("http://a.example/", meta={"retry_times": n})) for n in (1, 2, 3, 10)]
    assert delays == [2.0, 4.0, 8.0, 60.0]
    busy = Response("http://a.example/", status=503, headers={"Retry-After": "30"})
    assert middleware.backoff(Request("http://a.example/", meta={"retry_times": 1}), busy) == 30.0


@pytest.mark.slow
def test_per_domain_concurrency_is_respected(db):
    from tests.crawlers.test_encodings import board_config

    with TroubleSite(delay=0.05, per_encoding=1) as site:
        add_source("polite", "board", f"{site.url}/enc/all/list", board_config(concurrency=2))
        result = crawl(["polite"])[0]
        assert result.error is None and result.stored == 16
        assert 1 <= site.max_inflight <= 2
        assert all("yuqing-monitor" in agent and "contact" in agent for agent in site.agents)
