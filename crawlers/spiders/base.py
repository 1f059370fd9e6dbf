"""What every source spider shares: its source spec, limits, incremental helpers and error accounting."""

from __future__ import annotations

import logging
from typing import Any

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError

from crawlers.items import PostItem
from crawlers.store import CrawlStore
from crawlers.urls import canonical_url

logger = logging.getLogger(__name__)


class SourceSpider(scrapy.Spider):
    """Base of the source spiders. Subclasses set ``source_kind`` (the registry key) and
    ``options_model`` (a pydantic model of their config, optional) and implement ``start``."""

    name = ""  # abstract: not listed by `scrapy list`
    source_kind: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.incomplete = False  # set when a page is lost: the next crawl then walks everything again

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.source = crawler.settings.getdict("YUQING_SOURCE")
        spider.options = dict(spider.source.get("config") or {})
        spider.name = spider.source.get("name", spider.name)
        return spider

    # ---- incremental helpers
    @property
    def full_pass(self) -> bool:
        """True when the previous crawl did not finish: do not stop at known posts this time."""
        previous = getattr(self.crawler, "yuqing_previous_state", {"status": "finished"})
        return previous.get("status") != "finished"

    def known(self, urls: list[str]) -> dict[str, tuple[int, str | None]]:
        """canonical url → (post id, signature) of posts already stored."""
        if not self.crawler.settings.getbool("YUQING_INCREMENTAL", True):
            return {}
        return CrawlStore.for_crawler(self.crawler).known([canonical_url(u) for u in urls])

    def new_item(self, **fields: Any) -> PostItem:
        item = PostItem(source=self.source["name"])
        for key, value in fields.items():
            if value is not None:
                item[key] = value
        return item

    # ---- errors
    def on_error(self, failure) -> None:
        """Errback: a page that could not be fetched is counted (and makes the crawl incomplete)."""
        request = failure.request
        stats = self.crawler.stats
        if failure.check(HttpError):
            status = failure.value.response.status
            stats.inc_value(f"yuqing/errors/http_{status}")
            message = f"HTTP {status}"
        elif failure.check(DNSLookupError, ConnectionRefusedError, TCPTimedOutError, TimeoutError):
            stats.inc_value("yuqing/errors/network")
            message = failure.getErrorMessage() or failure.type.__name__
        else:
            stats.inc_value(f"yuqing/errors/{failure.type.__name__}")
            message = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        if request.meta.get("yuqing_start"):
            stats.set_value("yuqing/start_error", f"{request.url}: {message}")
        self.incomplete = True
        logger.warning("lost %s: %s", request.url, message)
