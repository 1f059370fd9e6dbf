"""Scrapy settings of the project: polite defaults here, per-source values from `build_settings`.

This module is also the Scrapy settings module named by scrapy.cfg, so `scrapy list` / `scrapy
shell` see the same politeness as `yuqing crawl`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

BOT_NAME = "yuqing"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# politeness
ROBOTSTXT_OBEY = True
USER_AGENT = "yuqing-monitor/0.1 (+https://example.invalid/yuqing; contact: yuqing-ops@example.invalid)"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
CONCURRENT_ITEMS = 16  # items in flight per response; Scrapy's 100 costs 100 asyncio tasks per page
DOWNLOAD_DELAY = 0.25
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 % so requests do not tick like a metronome
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 30
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# limits: a page over DOWNLOAD_MAXSIZE is cancelled and logged, not read
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DEPTH_LIMIT = 5
DEPTH_PRIORITY = 1  # breadth-first: the newest list pages and their posts come first
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

RETRY_GIVE_UP_LOG_LEVEL = "WARNING"  # a lost page is counted by the spider's errback, not a crawl error
YUQING_RETRY_BACKOFF_BASE = 1.0
YUQING_RETRY_BACKOFF_MAX = 60.0

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.BackoffRetryMiddleware": 550,
    # after HttpCompression (590) so it sees the decoded body, before everything that reads text
    "crawlers.encoding.EncodingMiddleware": 580,
}
ITEM_PIPELINES = {
    "crawlers.pipelines.ValidatePipeline": 100,
    "crawlers.pipelines.CleanPipeline": 200,
    "crawlers.pipelines.DedupPipeline": 300,
    "crawlers.pipelines.StorePipeline": 400,
}
EXTENSIONS = {"crawlers.state.CrawlStateExtension": 500}
LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawlers.logformatter.QuietLogFormatter"
FEED_EXPORT_ENCODING = "utf-8"

# Scrapy settings of our pipelines (not environment variables). The near-duplicate distance and the
# store batch are product settings (yuqing/settings.py, YUQING_NEAR_DUP_DISTANCE / YUQING_STORE_BATCH):
# build_settings copies them in, so a crawl can still override them (crawlers/distributed.py does).
YUQING_MAX_TEXT_CHARS = 200_000
YUQING_MAX_MOJIBAKE = 0.02
YUQING_NEAR_DUP_MIN_CHARS = 30


def defaults() -> dict[str, Any]:
    return {key: value for key, value in globals().items() if key.isupper()}


def build_settings(source: dict, *, user_agent: str, max_page_bytes: int, jobdir: Path | None,
                   overrides: dict | None = None) -> dict[str, Any]:
    """Scrapy settings for crawling one source (a dict as stored in Source: name, kind, url, config)."""
    from yuqing.settings import get_settings

    product = get_settings()
    options = source.get("config") or {}
    settings = defaults()
    settings.update({
        "YUQING_NEAR_DUP_DISTANCE": product.near_dup_distance,
        "YUQING_STORE_BATCH": product.store_batch,
        "USER_AGENT": user_agent,
        "ROBOTSTXT_OBEY": bool(options.get("obey_robots", True)),
        "CONCURRENT_REQUESTS_PER_DOMAIN": int(options.get("concurrency", 4)),
        "DOWNLOAD_DELAY": float(options.get("download_delay", 0.25)),
        "AUTOTHROTTLE_START_DELAY": max(float(options.get("download_delay", 0.25)), 0.05),
        # pagination is bounded by max_pages; depth_limit bounds the links followed below a list page
        "DEPTH_LIMIT": int(options.get("depth_limit", 5)) + int(options.get("max_pages", 50)),
        "CLOSESPIDER_ITEMCOUNT": int(options.get("max_items", 5000)),
        "RETRY_TIMES": int(options.get("retries", 3)),
        "YUQING_RETRY_BACKOFF_BASE": float(options.get("retry_backoff", 1.0)),
        "DOWNLOAD_MAXSIZE": max_page_bytes,
        "DOWNLOAD_WARNSIZE": min(max_page_bytes, DOWNLOAD_WARNSIZE),
        "YUQING_SOURCE": dict(source),
    })
    if jobdir is not None:
        settings["JOBDIR"] = str(jobdir)
    settings.update(overrides or {})
    return settings
