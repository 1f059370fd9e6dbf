"""What every source spider shares: its source spec, limits, incremental helpers and error accounting."""

from __future__ import annotations

import logging
from typing import Any

import scrapy
from pydantic import ValidationError
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError

from crawlers.items import PostItem
from crawlers.store import CrawlStore
from crawlers.urls import canonical_url
from yuqing.errors import ConfigError

logger = logging.getLogger(__name__)


def validated_options(spec: dict, model):
    try:
        return model.model_validate(spec.get("config") or {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'config'}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"source {spec.get('name')}: {problems}") from exc


def refuse_to_start(spider, exc: ConfigError) -> None:
    """A source whose config is wrong fails its run with the message (the others carry on)."""
    spider.crawler.stats.set_value("yuqing/start_error", f"ConfigError: {exc}")
    logger.error("%s", exc)


class SourceSpider(scrapy.Spider):
    """Base of the source spiders. A subclass names its source kind (the registry key) and the
    pydantic model of its config (optional) in its class line,
    ``class RssSpider(SourceSpider, kind="rss", options=RssOptions)``, and implements ``first_requests``."""

    name = ""  # abstract: not listed by `scrapy list`
    source_kind: str | None = None
    options_model: type | None = None

    def __init_subclass__(cls, *, kind: str | None = None, options: type | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if kind is not None:
            cls.source_kind = kind
        if options is not None:
            cls.options_model = options

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.incomplete = False  # set when a page is lost: the next crawl then walks everything again

    def configured(self) -> bool:
        """Read the source's config into ``self.config`` (an ``options_model``) and let ``prepare``
        check the rest; a wrong config refuses to start (False), the message in the run's stats."""
        try:
            self.config = validated_options(self.source, self.options_model)
            self.prepare()
        except ConfigError as exc:
            refuse_to_start(self, exc)
            return False
        return True

    def prepare(self) -> None:
        """What a subclass derives from ``self.config`` before the first request (raise ConfigError)."""

    async def start(self):
        """The first requests, once the source's config (when the spider has an ``options_model``) is read."""
        if self.options_model is not None and not self.configured():
            return
        for request in self.first_requests():
            yield request

    def first_requests(self):
        """The requests a crawl of the source begins with (a subclass yields them)."""
        raise NotImplementedError

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


class ListSpider(SourceSpider):
    """A spider that walks list pages to the pages they link: how many list pages it read, how many
    known rows in a row it has met (pagination stops after ``stop_after_known``), what it requested."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.list_pages = 0
        self.known_streak = 0
        self.requested: set[str] = set()
